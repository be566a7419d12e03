//! Table rows (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api>).

use super::client::Dataverse;
use super::metadata::TableDefinition;
use crate::service::Error;

impl Dataverse<'_> {
    /// Reads one row (`$top=1`), proving read access end to end.
    pub async fn read_one_row(&self, definition: &TableDefinition) -> Result<(), Error> {
        let Some(set) = &definition.entity_set else {
            return Err(Error::Unexpected {
                status: 200,
                detail: "a table definition without EntitySetName".to_owned(),
            });
        };
        let path = match &definition.primary_id {
            Some(id) => format!("{set}?$select={id}&$top=1"),
            None => format!("{set}?$top=1"),
        };
        self.get(&path).await.map(drop)
    }
}
