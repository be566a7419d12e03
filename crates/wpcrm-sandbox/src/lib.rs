//! wpcrm-sandbox: a local, protocol-faithful emulator of Entra ID, Microsoft Graph, the Global
//! Discovery Service and the Dataverse Web API (placeholder until issue 2 lands). See `docs/sandbox.md`.
