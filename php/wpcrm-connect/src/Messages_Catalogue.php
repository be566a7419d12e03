<?php
/**
 * The English texts of the engine's reports, by stable text id, each translatable.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Every check title, detail and fix the engine writes (crates/wpcrm-core/src/diagnosis and verify/),
 * and the provisioning fixes, as templates with named placeholders. The English is the engine's,
 * letter for letter (tests/wordpress/tests/MessagesTest.php renders real reports and compares); a
 * translation may reorder the placeholders freely. Ids are documented in docs/verify.md.
 */
final class Messages_Catalogue {

	/**
	 * Id => translated template.
	 *
	 * @return array<string, string>
	 */
	public static function texts(): array {
		$t = array(
			'title.input' => __( 'Connection values', 'wpcrm-connect' ),
			'title.tenant' => __( 'Tenant', 'wpcrm-connect' ),
			'title.token' => __( 'Access token', 'wpcrm-connect' ),
			'title.app_user' => __( 'Application user', 'wpcrm-connect' ),
			'title.metadata' => __( 'Metadata access', 'wpcrm-connect' ),
			/* translators: {table}: a table logical name such as account. */
			'title.table' => __( 'Table {table}', 'wpcrm-connect' ),
			/* translators: {display_name}: the table display name; {table}: its logical name. */
			'title.table_named' => __( 'Table {display_name} ({table})', 'wpcrm-connect' ),
			'title.secret_expiry' => __( 'Client secret expiry', 'wpcrm-connect' ),
			'title.privilege_audit' => __( 'Least privilege', 'wpcrm-connect' ),
			'skip.input' => __( 'Skipped: the connection values are not usable (see the first check).', 'wpcrm-connect' ),
			'skip.tenant' => __( 'Skipped: the tenant is not known.', 'wpcrm-connect' ),
			'skip.token' => __( 'Skipped: no access token.', 'wpcrm-connect' ),
			'skip.app_user' => __( 'Skipped: the application user check failed.', 'wpcrm-connect' ),
			'skip.metadata' => __( 'Skipped: the metadata check failed.', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL; {cloud}: public, gcc, china, sandbox… */
			'input.pass' => __( 'The values are well formed; instance {instance_url} in the {cloud} cloud.', 'wpcrm-connect' ),
			/* translators: {values}: names of the Connection tab fields (English); {instance_url}: the environment URL; {cloud}: the cloud name. */
			'input.whitespace_trimmed' => __( 'Spaces or line breaks around the {values} were removed before use; instance {instance_url} in the {cloud} cloud.', 'wpcrm-connect' ),
			'fix.whitespace' => __( 'Remove the spaces or line breaks from the saved values so other tools reading them work too.', 'wpcrm-connect' ),
			'input.missing' => __( 'A connection value is missing. No request was made.', 'wpcrm-connect' ),
			'fix.missing_all' => __( 'Enter the instance URL, the application (client) ID and the client secret Value.', 'wpcrm-connect' ),
			'input.url_missing' => __( 'The instance URL is missing. No request was made.', 'wpcrm-connect' ),
			/* translators: {error}: the technical reason (English). */
			'input.url_unusable' => __( 'The instance URL is not usable: {error}. No request was made.', 'wpcrm-connect' ),
			'input.app_missing' => __( 'The application (client) ID is missing. No request was made.', 'wpcrm-connect' ),
			/* translators: {value}: the value typed. */
			'input.app_not_guid' => __( 'The application (client) ID \'{value}\' is not a GUID. No request was made.', 'wpcrm-connect' ),
			'input.secret_missing' => __( 'The client secret is missing. No request was made.', 'wpcrm-connect' ),
			'input.secret_id' => __( 'The client secret field holds a GUID: that is the secret\'s Secret ID, not its Value. Entra ID would reject it (AADSTS7000215). No request was made.', 'wpcrm-connect' ),
			/* translators: {value}: the value typed, such as common. */
			'input.tenant_not_a_tenant' => __( '\'{value}\' does not name a tenant; an application signs in to one specific tenant. No request was made.', 'wpcrm-connect' ),
			/* translators: {value}: the value typed. */
			'input.tenant_invalid' => __( 'The tenant \'{value}\' is neither a GUID nor a domain name such as contoso.onmicrosoft.com. No request was made.', 'wpcrm-connect' ),
			/* translators: {count}, {max}: numbers of tables. */
			'input.too_many_tables' => __( '{count} tables were asked for; at most {max} can be checked in one call. No request was made.', 'wpcrm-connect' ),
			/* translators: {max}: a number of tables. */
			'fix.too_many_tables' => __( 'List only the tables the site reads or writes (at most {max}).', 'wpcrm-connect' ),
			/* translators: {value}: the value typed. */
			'input.invalid_table' => __( '\'{value}\' is not a table logical name (lower-case letters, digits and underscores). No request was made.', 'wpcrm-connect' ),
			/* translators: {value}: the value given; {table}: a table logical name. */
			'input.invalid_access_kind' => __( '\'{value}\' for table \'{table}\' is not an access kind. No request was made.', 'wpcrm-connect' ),
			'fix.url_missing' => __( 'Enter the environment URL from the Power Platform admin center (Environments → your environment → Environment URL), for example https://contoso.crm.dynamics.com.', 'wpcrm-connect' ),
			'fix.url_https' => __( 'Use the https:// address of the environment, for example https://contoso.crm.dynamics.com.', 'wpcrm-connect' ),
			'fix.url_plain' => __( 'Remove the user name, password or port: the environment URL is just https://<name>.crm<N>.dynamics.com.', 'wpcrm-connect' ),
			'fix.url_sandbox' => __( 'Use the sandbox origin followed by the environment name, for example https://127.0.0.1:8443/contoso.', 'wpcrm-connect' ),
			'fix.url_copy' => __( 'Copy the Environment URL from the Power Platform admin center (Environments → your environment). Dataverse hosts look like contoso.crm.dynamics.com or contoso.crm4.dynamics.com (US government: .crm9.dynamics.com, .crm.microsoftdynamics.us, .crm.appsplatform.us; China: .crm.dynamics.cn).', 'wpcrm-connect' ),
			'fix.application_id' => __( 'Copy the Application (client) ID from the Microsoft Entra admin center → App registrations → your app → Overview. It looks like 11111111-2222-3333-4444-555555555555.', 'wpcrm-connect' ),
			'fix.secret_missing' => __( 'Enter the client secret Value (Microsoft Entra admin center → App registrations → your app → Certificates & secrets). If it was not copied when created, add a new client secret and copy its Value.', 'wpcrm-connect' ),
			'fix.secret_id' => __( 'In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, the Value column (about 40 characters, often containing \'~\') is the secret; the Secret ID column is not. The Value is shown only right after the secret is created: if it is hidden now, add a new client secret and paste its Value.', 'wpcrm-connect' ),
			'fix.tenant_id' => __( 'Enter the Directory (tenant) ID from the Microsoft Entra admin center → Overview (a GUID), or your tenant\'s domain such as contoso.onmicrosoft.com, or leave the field empty to discover it from the environment.', 'wpcrm-connect' ),
			'fix.table_name' => __( 'Use the table\'s logical name as shown in Power Apps → Tables → the table → Properties (for example account, incident or new_review).', 'wpcrm-connect' ),
			'fix.access_kind' => __( 'Use only read, create, write, delete, append and appendto.', 'wpcrm-connect' ),
			/* translators: {tenant}: a tenant id or domain. */
			'tenant.entered' => __( 'Using the tenant entered: {tenant}.', 'wpcrm-connect' ),
			/* translators: {tenant}: a tenant id; {instance_url}: the environment URL. */
			'tenant.discovered' => __( 'Discovered the tenant {tenant} from {instance_url}.', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL. */
			'tenant.http_404' => __( '{instance_url} answered HTTP 404 instead of asking for sign-in: this environment may not exist.', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL; {status}: an HTTP status code. */
			'tenant.http_status' => __( '{instance_url} answered HTTP {status} instead of asking for sign-in (401).', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL. */
			'tenant.no_tenant' => __( '{instance_url} asked for sign-in without naming its tenant.', 'wpcrm-connect' ),
			'tenant.authority_not_https' => __( 'The sign-in challenge\'s authority is not an https URL.', 'wpcrm-connect' ),
			/* translators: {host}: a host name; {cloud}: the cloud name. */
			'tenant.untrusted_authority' => __( 'The sign-in challenge names the authority {host}, which is not an Entra ID host of the {cloud} cloud; it is ignored.', 'wpcrm-connect' ),
			/* translators: {value}: what the challenge named. */
			'tenant.not_a_tenant' => __( 'The sign-in challenge names \'{value}\', which is not a tenant.', 'wpcrm-connect' ),
			'fix.enter_tenant' => __( 'Enter the tenant ID on the Connection tab. Enter the Directory (tenant) ID from the Microsoft Entra admin center → Overview (a GUID), or your tenant\'s domain such as contoso.onmicrosoft.com, or leave the field empty to discover it from the environment.', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL; {application_id}: a GUID. */
			'token.pass' => __( 'Entra ID issued a token for {instance_url} to application {application_id}.', 'wpcrm-connect' ),
			/* translators: {oauth_error}: an OAuth error code; {message}: Entra ID's own message (English). */
			'entra.generic' => __( 'Entra ID refused the token request: {oauth_error} ({message}).', 'wpcrm-connect' ),
			/* translators: {code}: an error code such as AADSTS50000; {aadsts}: its number. */
			'fix.entra_generic' => __( 'Look up {code} at https://login.microsoftonline.com/error?code={aadsts} and check the application ID, secret and tenant.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS7000215' => __( 'Entra ID rejected the client secret of application {application_id}. Most often the Secret ID was pasted instead of the secret Value, or the secret belongs to another app or was replaced.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS7000222' => __( 'The client secrets of application {application_id} have expired.', 'wpcrm-connect' ),
			'fix.AADSTS7000222' => __( 'In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, add a new client secret, paste its Value here, and delete the expired one. Note the new expiry date.', 'wpcrm-connect' ),
			'AADSTS7000218' => __( 'The token request carried no client secret.', 'wpcrm-connect' ),
			'fix.AADSTS7000218' => __( 'Enter the client secret Value; the application is a confidential client and must authenticate with it.', 'wpcrm-connect' ),
			'AADSTS700024' => __( 'The client assertion is outside its valid time range.', 'wpcrm-connect' ),
			'fix.AADSTS700024' => __( 'Check the server\'s clock (enable NTP) and try again.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS700016' => __( 'Entra ID has no application {application_id} in the tenant {tenant}.', 'wpcrm-connect' ),
			'fix.AADSTS700016' => __( 'Check the Application (client) ID and the tenant: the app must be registered in tenant {tenant} (Microsoft Entra admin center → App registrations → All applications). If the app was created in the last few minutes, wait a minute and retry: new registrations take time to replicate.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS90002' => __( 'The tenant {tenant} does not exist in the {cloud} cloud.', 'wpcrm-connect' ),
			'fix.AADSTS90002' => __( 'Check the Directory (tenant) ID (Microsoft Entra admin center → Overview), or leave it empty to discover it from the environment. The environment is in the {cloud} cloud, so the app must be registered in that cloud\'s Entra ID.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS900023' => __( '\'{tenant}\' is not a valid tenant identifier.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS500011' => __( 'Entra ID does not know the resource {instance_url} in the tenant {tenant}.', 'wpcrm-connect' ),
			'fix.AADSTS500011' => __( 'Check the environment URL for typos and that the environment belongs to this tenant; if the tenant was typed, check it too (or leave it empty to discover it).', 'wpcrm-connect' ),
			'AADSTS50059' => __( 'The token request named no tenant.', 'wpcrm-connect' ),
			'AADSTS90014' => __( 'The token request was missing a required field.', 'wpcrm-connect' ),
			'fix.AADSTS90014' => __( 'This is a client bug or a proxy rewriting the request body; check for a TLS-inspecting proxy that alters POST bodies.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS700022' => __( 'Entra ID rejected the requested scope {instance_url}/.default.', 'wpcrm-connect' ),
			'fix.AADSTS700022' => __( 'Check the environment URL: the scope is built from it.', 'wpcrm-connect' ),
			/* translators: Placeholders: {application_id} a GUID, {tenant} a tenant id, {cloud} a cloud name, {instance_url} the environment URL. */
			'AADSTS7000112' => __( 'Application {application_id} is disabled in tenant {tenant}.', 'wpcrm-connect' ),
			'fix.AADSTS7000112' => __( 'Enable the application\'s service principal (Microsoft Entra admin center → Enterprise applications → the app → Properties → Enabled for users to sign in).', 'wpcrm-connect' ),
			'AADSTS50034' => __( 'The account does not exist in this directory.', 'wpcrm-connect' ),
			'fix.AADSTS50034' => __( 'Use an account of this tenant, or invite it as a guest.', 'wpcrm-connect' ),
			'AADSTS50126' => __( 'Wrong user name or password.', 'wpcrm-connect' ),
			'fix.AADSTS50126' => __( 'Re-enter the credentials.', 'wpcrm-connect' ),
			'AADSTS50076' => __( 'Multi-factor authentication is required.', 'wpcrm-connect' ),
			'fix.AADSTS50076' => __( 'Complete MFA in the browser sign-in step.', 'wpcrm-connect' ),
			'AADSTS53003' => __( 'Conditional Access blocked the sign-in.', 'wpcrm-connect' ),
			'fix.AADSTS53003' => __( 'Ask an Entra administrator to exclude this app or user from the blocking Conditional Access policy, or sign in another way.', 'wpcrm-connect' ),
			'AADSTS65001' => __( 'The application has no consent for this resource.', 'wpcrm-connect' ),
			'fix.AADSTS65001' => __( 'Grant admin consent for the application in the Microsoft Entra admin center → Enterprise applications.', 'wpcrm-connect' ),
			'AADSTS65002' => __( 'This first-party client is not pre-authorized for the resource.', 'wpcrm-connect' ),
			'fix.AADSTS65002' => __( 'Use a pre-authorized client or your own app registration.', 'wpcrm-connect' ),
			/* translators: {user_id}, {business_unit_id}: GUIDs. */
			'app_user.pass' => __( 'The application user {user_id} exists and is enabled (business unit {business_unit_id}).', 'wpcrm-connect' ),
			/* translators: {user_id}, {business_unit_id}: GUIDs. */
			'app_user.pass_unknown_enabled' => __( 'The application user {user_id} exists (business unit {business_unit_id}); whether it is enabled could not be read.', 'wpcrm-connect' ),
			/* translators: {application_id}: a GUID; {instance_url}: the environment URL. */
			'app.not_a_member' => __( 'Dataverse says the application {application_id} is not a member of the organization: the environment {instance_url} has no application user for it.', 'wpcrm-connect' ),
			/* translators: {application_id}: a GUID. */
			'fix.not_a_member' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → New app user: pick the app {application_id}, the root business unit, and security roles (Basic User plus a role that can read the tables the site needs).', 'wpcrm-connect' ),
			/* translators: {application_id}: a GUID. */
			'app.app_blocked' => __( 'A tenant policy blocks application {application_id} from the Dataverse API.', 'wpcrm-connect' ),
			'fix.app_blocked' => __( 'Ask a Power Platform administrator to allow this application: the tenant restricts which app ids may call Dataverse (Power Platform admin center → Security / tenant settings, or the allow-list PowerShell cmdlets).', 'wpcrm-connect' ),
			/* translators: {application_id}: a GUID; {instance_url}: the environment URL. */
			'app.user_disabled' => __( 'The application user of {application_id} in {instance_url} is disabled.', 'wpcrm-connect' ),
			'fix.user_disabled' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user → Activate (application users need no licence).', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL. */
			'app.unauthorized' => __( 'Dataverse at {instance_url} rejected the access token (HTTP 401).', 'wpcrm-connect' ),
			'fix.unauthorized' => __( 'Check that the environment URL belongs to the tenant the token came from; if the tenant was typed, leave it empty to discover the environment\'s own tenant.', 'wpcrm-connect' ),
			/* translators: {privilege}: a privilege name such as prvReadincident; {what}: what it is needed for. */
			'app.missing_privilege' => __( 'The application user lacks the privilege {privilege}, needed to {what}.', 'wpcrm-connect' ),
			/* translators: {privilege}: privilege names; {what}: what they are needed for. */
			'app.missing_privileges' => __( 'The application user lacks the privileges {privilege}, needed to {what}.', 'wpcrm-connect' ),
			/* translators: {privilege}: a privilege name; {depth_hint}: the depth to grant. */
			'fix.missing_privilege' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user → Edit security roles, and add a role that grants {privilege} ({depth_hint}); or, in Settings → Security roles, edit one of its roles and set that privilege on the table\'s row. Prefer a dedicated least-privilege role over System Administrator.', 'wpcrm-connect' ),
			/* translators: {privilege}: a privilege name; {depth_hint}: the depth to grant. */
			'fix.no_metadata_access' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user → Edit security roles, and add a role that grants {privilege} ({depth_hint}); or, in Settings → Security roles, edit one of its roles and set that privilege on the table\'s row. Prefer a dedicated least-privilege role over System Administrator. Usually the application user has no security role at all: assign Basic User plus a role that can read the site\'s tables.', 'wpcrm-connect' ),
			'action.whoami' => __( 'identify the application user (WhoAmI)', 'wpcrm-connect' ),
			'action.metadata' => __( 'read table definitions (metadata)', 'wpcrm-connect' ),
			'action.privileges' => __( 'read its privileges', 'wpcrm-connect' ),
			/* translators: {table}: a table logical name. */
			'action.table_definition' => __( 'read the definition of table \'{table}\'', 'wpcrm-connect' ),
			/* translators: {display}: a table name. */
			'action.table_read' => __( 'read a row of \'{display}\'', 'wpcrm-connect' ),
			/* translators: {kinds}: access kinds such as read/write; {display}: a table name; {table}: its logical name. */
			'action.table_access' => __( '{kinds} the table \'{display}\' ({table})', 'wpcrm-connect' ),
			'hint.organization' => __( 'Organization level', 'wpcrm-connect' ),
			'hint.every_row' => __( 'Organization level if the site must see every row', 'wpcrm-connect' ),
			'hint.basic_user' => __( 'the Basic User role includes it', 'wpcrm-connect' ),
			/* translators: {action}: what was attempted; {status}: an HTTP status code. */
			'app.refused' => __( 'Dataverse refused to {action} (HTTP {status}).', 'wpcrm-connect' ),
			/* translators: {action}: what was attempted; {status}: an HTTP status code; {message}: Dataverse's own message. */
			'app.refused_message' => __( 'Dataverse refused to {action} (HTTP {status}): {message}', 'wpcrm-connect' ),
			'fix.dataverse_5xx' => __( 'Dataverse had an internal error; retry in a few minutes, and check the Power Platform admin center\'s service health if it persists.', 'wpcrm-connect' ),
			'fix.dataverse_refused' => __( 'Check the environment URL and the application user\'s security roles.', 'wpcrm-connect' ),
			/* translators: {table}: a table logical name; {instance_url}: the environment URL. */
			'app.table_not_found' => __( 'There is no table with the logical name \'{table}\' in {instance_url}.', 'wpcrm-connect' ),
			/* translators: {instance_url}: the environment URL. */
			'fix.table_not_found' => __( 'Check the name: logical names are lower case and custom tables carry their publisher prefix (for example new_review). If the table comes from a solution, import it into {instance_url} first.', 'wpcrm-connect' ),
			'metadata.pass' => __( 'The application user can read table definitions.', 'wpcrm-connect' ),
			/* translators: {display}: a table name; {entity_set}: its Web API name; {access}: access kinds and depths (English). */
			'table.pass' => __( '\'{display}\' ({entity_set}) is accessible. Access: {access}.', 'wpcrm-connect' ),
			/* translators: {display}: a table name; {entity_set}: its Web API name; {depth}, {access}: depths (English). */
			'table.basic_depth' => __( 'The application user can read \'{display}\' ({entity_set}) only at {depth} depth: the site will see only records the application user owns. Access: {access}.', 'wpcrm-connect' ),
			/* translators: {display}: a table name; {entity_set}: its Web API name; {depth}, {access}: depths (English). */
			'table.local_depth' => __( 'The application user can read \'{display}\' ({entity_set}) only at {depth} depth: the site will see only records in the application user\'s business unit. Access: {access}.', 'wpcrm-connect' ),
			/* translators: {privilege}: a privilege name. */
			'fix.shallow_read' => __( 'If the site must show every row, give the application user a role with {privilege} at Organization level (Settings → Security roles → the role → the table\'s Read column, full circle).', 'wpcrm-connect' ),
			'secret_expiry.skip' => __( 'The secret\'s expiry date was not given.', 'wpcrm-connect' ),
			/* translators: {expires_at}: a date (YYYY-MM-DD); {days}: a number of days. */
			'secret_expiry.pass' => __( 'The client secret is valid until {expires_at} ({days} days).', 'wpcrm-connect' ),
			/* translators: {expires_at}: a date (YYYY-MM-DD). */
			'secret_expiry.expired' => __( 'The client secret expired on {expires_at}.', 'wpcrm-connect' ),
			/* translators: {expires_at}: a date (YYYY-MM-DD); {days}: a number of days. */
			'secret_expiry.expiring' => __( 'The client secret expires on {expires_at}, in {days} days; the site stops working then.', 'wpcrm-connect' ),
			/* translators: {value}: the value given. */
			'secret_expiry.invalid' => __( '\'{value}\' is not an ISO 8601 date.', 'wpcrm-connect' ),
			'fix.secret_expiry_format' => __( 'Pass secret_expires_at as an ISO 8601 date, for example 2026-12-31T00:00:00Z (Graph\'s endDateTime).', 'wpcrm-connect' ),
			'fix.renew_secret' => __( 'In the Microsoft Entra admin center → App registrations → your app → Certificates & secrets, add a new client secret, paste its Value here, then delete the old one.', 'wpcrm-connect' ),
			/* translators: {service}: Entra ID, Dataverse or Microsoft Graph. */
			'fix.timeout' => __( '{service} did not answer within the time allowed. Retry; if it persists, check the server\'s outbound HTTPS (firewall, proxy via wpcrm.proxy) or raise the timeout option.', 'wpcrm-connect' ),
			'fix.dns' => __( 'The host name did not resolve: check the environment URL for typos, and the server\'s DNS (a deleted or renamed environment no longer resolves).', 'wpcrm-connect' ),
			'fix.connect' => __( 'The server could not open a connection to Microsoft\'s hosts: allow outbound HTTPS (port 443) to it in the firewall, or set wpcrm.proxy if the server must use a proxy.', 'wpcrm-connect' ),
			'fix.tls' => __( 'The TLS certificate of the host was not trusted. If a TLS-inspecting proxy or firewall sits between this server and Microsoft, add its root certificate (PEM) to wpcrm.ca_file; otherwise update the system\'s CA certificates (ca-certificates package).', 'wpcrm-connect' ),
			'fix.network' => __( 'The connection to {service} broke during the exchange. Retry; if it persists, check proxies and firewalls between this server and Microsoft.', 'wpcrm-connect' ),
			'fix.host_not_allowed' => __( 'wpcrm only contacts Microsoft\'s hosts of the environment\'s cloud. Check the environment URL.', 'wpcrm-connect' ),
			/* translators: {service}: Entra ID or Dataverse; {what}: a technical description of the answer (English). */
			'network.unexpected' => __( '{service} sent {what}.', 'wpcrm-connect' ),
			'fix.unexpected_response' => __( 'Something between this server and Microsoft answered instead of the service (a proxy, captive portal or firewall page), or the service had a transient fault. Retry; if it persists, check wpcrm.proxy and the network path.', 'wpcrm-connect' ),
			/* translators: {service}: Entra ID or Dataverse. */
			'network.throttled' => __( '{service} is throttling requests (HTTP 429) for longer than this call\'s deadline allowed waiting.', 'wpcrm-connect' ),
			'fix.throttled' => __( 'Wait a few minutes and retry. If it happens often, other integrations using the same application user are exceeding Dataverse\'s service protection limits (6000 requests per 5 minutes per user): spread their load or give them their own application users.', 'wpcrm-connect' ),
			'fleet.internal_error' => __( 'The verification of this connection stopped on an internal error; the other connections were not affected.', 'wpcrm-connect' ),
			'fix.internal_error' => __( 'Run the verification of this connection alone; if it fails the same way, report it as a bug.', 'wpcrm-connect' ),
			'fix.needs_app_admin' => __( 'Sign in with an account that holds the Application Administrator or Cloud Application Administrator role (or ask a Global Administrator to run this), or turn on \'Users can register applications\' in the tenant, then run again.', 'wpcrm-connect' ),
			'fix.needs_system_admin' => __( 'The signed-in account is not a System Administrator of this environment. Sign in with one (or ask one to run this), then run again.', 'wpcrm-connect' ),
			'fix.conditional_access' => __( 'A Conditional Access policy blocks this sign-in (often the device code flow itself). Ask an administrator to exclude this account or the Azure CLI client from the policy, or provision from a compliant device, then run again.', 'wpcrm-connect' ),
			'fix.secret_blocked_by_policy' => __( 'An administrator who may manage application policies (Global Administrator, or a role with Policy.ReadWrite.ApplicationConfiguration) can exempt this application: in Microsoft Graph create an appManagementPolicy without the passwordAddition restriction and assign it to the application (POST /applications/<object id>/appManagementPolicies/$ref), or relax the tenant default policy (/policies/defaultAppManagementPolicy). Then run again; the run resumes at the secret. Otherwise the site needs a certificate credential, which wpcrm does not create.', 'wpcrm-connect' ),
			'fix.secret_lifetime_policy' => __( 'The tenant\'s app management policy limits client secret lifetimes. Run again with a shorter secret_lifetime_days (for example 90), or ask an administrator to relax the policy.', 'wpcrm-connect' ),
			'fix.sign_in_expired' => __( 'The admin sign-in has expired. Run again to sign in anew.', 'wpcrm-connect' ),
			'fix.run_again' => __( 'Run again; the run resumes where it stopped. If the error persists, the message above names the cause.', 'wpcrm-connect' ),
			'fix.rollback_again' => __( 'Run the rollback again; what was already removed stays removed.', 'wpcrm-connect' ),
			'provision.expired_token' => __( 'The sign-in code expired before it was used.', 'wpcrm-connect' ),
			'fix.provision.expired_token' => __( 'Run again to get a new code, and enter it within 15 minutes.', 'wpcrm-connect' ),
			'provision.authorization_declined' => __( 'The sign-in was declined.', 'wpcrm-connect' ),
			'fix.provision.authorization_declined' => __( 'Run again and approve the sign-in with an administrator account.', 'wpcrm-connect' ),
			'provision.no_environments' => __( 'The signed-in account cannot reach any Dataverse environment.', 'wpcrm-connect' ),
			'fix.provision.no_environments' => __( 'Sign in with an account that is a System Administrator of the environment, or pass instance_url.', 'wpcrm-connect' ),
			/* translators: {name}: a security role name. */
			'provision.role_not_found' => __( 'There is no security role named \'{name}\' in the root business unit.', 'wpcrm-connect' ),
			'fix.provision.role_not_found' => __( 'Check the role\'s name in the Power Platform admin center (Security roles), or remove it from roles.', 'wpcrm-connect' ),
			/* translators: {table}: a table logical name. */
			'provision.table_not_found' => __( 'The environment has no table \'{table}\'.', 'wpcrm-connect' ),
			'fix.provision.table_not_found' => __( 'Check the table\'s logical name (lower case, e.g. \'incident\' for Cases), or install the solution that adds it.', 'wpcrm-connect' ),
			'provision.invalid_state_key' => __( 'The state key must be exactly 32 bytes.', 'wpcrm-connect' ),
			'fix.provision.invalid_state_key' => __( 'Pass a 32-byte key derived from the site\'s salts.', 'wpcrm-connect' ),
			/* translators: {days}, {max_days}: numbers of days. */
			'provision.invalid_secret_lifetime' => __( 'secret_lifetime_days is {days}; it must be between 1 and {max_days}.', 'wpcrm-connect' ),
			/* translators: {max_days}: a number of days. */
			'fix.provision.invalid_secret_lifetime' => __( 'Choose a lifetime of at most {max_days} days (180 is the default).', 'wpcrm-connect' ),
			/* translators: {kind}: the value given; {table}: a table logical name. */
			'provision.invalid_access_kind' => __( 'Unknown access kind \'{kind}\' for table \'{table}\'.', 'wpcrm-connect' ),
			'fix.provision.invalid_access_kind' => __( 'Use read, create, write, delete, append or appendto.', 'wpcrm-connect' ),
			/* translators: {action}: the value given. */
			'provision.invalid_action' => __( 'Unknown action \'{action}\'.', 'wpcrm-connect' ),
			'fix.provision.invalid_action' => __( 'Use \'run\', \'cancel\', \'rollback\' or \'forget_secret\'.', 'wpcrm-connect' ),
			'provision.no_refresh_token' => __( 'The sign-in returned no refresh token.', 'wpcrm-connect' ),
			'fix.provision.no_refresh_token' => __( 'Check that the admin client may request offline_access, then run again.', 'wpcrm-connect' ),
			'provision.no_root_business_unit' => __( 'The environment has no root business unit visible to the signed-in account.', 'wpcrm-connect' ),
			'fix.provision.no_root_business_unit' => __( 'Sign in as a System Administrator of the environment.', 'wpcrm-connect' ),
			/* translators: {table}: a table logical name; {type_name}: Read, Create, Write… */
			'provision.privilege_not_found' => __( 'Table \'{table}\' has no {type_name} privilege.', 'wpcrm-connect' ),
			/* translators: {kind}: an access kind; {table}: a table logical name. */
			'fix.provision.privilege_not_found' => __( 'Remove \'{kind}\' for \'{table}\' from tables.', 'wpcrm-connect' ),
			/* translators: {user_id}, {business_unit_id}: GUIDs. */
			'provision.app_user_in_other_business_unit' => __( 'The application user {user_id} for this application exists in business unit {business_unit_id}, not in the root business unit.', 'wpcrm-connect' ),
			'fix.provision.app_user_in_other_business_unit' => __( 'In the Power Platform admin center (Environment → Settings → Users → Application users), change the user\'s business unit to the root one or delete the user, then run again.', 'wpcrm-connect' ),
			/* translators: {asked}, {max}: numbers of tables. */
			'provision.too_many_tables' => __( '{asked} tables were asked for; at most {max} can be set up in one run.', 'wpcrm-connect' ),
			/* translators: {max}: a number of tables. */
			'fix.provision.too_many_tables' => __( 'Ask for at most {max} tables (the ones the site reads or writes).', 'wpcrm-connect' ),
			'provision.not_finished' => __( 'The run has not finished: there is no connection whose secret could be forgotten yet.', 'wpcrm-connect' ),
			'fix.provision.not_finished' => __( 'Run until the answer is \'done\', save the connection, then forget the secret.', 'wpcrm-connect' ),
			/* translators: {display_name}: an application name; {app_id}: its id. */
			'provision.lookalike_application' => __( 'The application \'{display_name}\' ({app_id}) looks like the one setup makes for this site, but this site cannot prove it created it (it does not carry this site\'s secret marker with you among its owners). It was left alone; setup uses its own application.', 'wpcrm-connect' ),
			'fix.provision.lookalike_application' => __( 'If you do not know who registered it, review it in the Microsoft Entra admin center → App registrations, and remove it if it is not yours.', 'wpcrm-connect' ),
			/* translators: {name}, {used_name}: role names; {role_id}: a GUID. */
			'provision.lookalike_role' => __( 'A security role named \'{name}\' ({role_id}) already exists, and this site did not create it. It was left alone; setup made its own role, \'{used_name}\'.', 'wpcrm-connect' ),
			'fix.provision.lookalike_role' => __( 'Review the role in the Power Platform admin center → Security roles, and remove it if nobody uses it.', 'wpcrm-connect' ),
			'fix.provision.invalid_sandbox_url' => __( 'Set wpcrm.sandbox_url to an https origin, or leave it empty in production.', 'wpcrm-connect' ),
			'fix.provision.invalid_state' => __( 'Start again without a state (the site keeps no other copy), or pass the state this site\'s last call returned.', 'wpcrm-connect' ),
			'fix.provision.cancelled' => __( 'Run with action \'rollback\' to remove what this flow created, or \'run\' to continue.', 'wpcrm-connect' ),
			'fix.provision.invalid_instance_url' => __( 'Pass the environment URL, e.g. https://contoso.crm.dynamics.com, or omit instance_url to choose from a list.', 'wpcrm-connect' ),
			'fix.provision.older_secrets_kept' => __( 'Run setup again later, or remove the older secrets named \'wpcrm:…\' in the Microsoft Entra admin center → App registrations → the app → Certificates & secrets (keep the newest).', 'wpcrm-connect' ),
			/* translators: {role}: a security role name; {template}: System Administrator or System Customizer. */
			'privilege_audit.powerful_role' => __( 'The application user holds the role \'{role}\' ({template}): the site\'s secret can then change any data, customization and security setting of the environment.', 'wpcrm-connect' ),
			/* translators: {role}: a security role name. */
			'fix.powerful_role' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user → Manage roles → remove \'{role}\'; keep Basic User and the site\'s own role (Repair in the plugin restores what the site needs).', 'wpcrm-connect' ),
			/* translators: {privileges}: privilege names; {roles}: quoted role names. */
			'privilege_audit.excess_privileges' => __( 'The application user holds privileges the site did not declare: {privileges}, granted by {roles}.', 'wpcrm-connect' ),
			'fix.excess_privileges' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Security roles → the role named → clear those privileges, or remove the role from the application user (In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users). The site needs only the tables and access kinds it declares.', 'wpcrm-connect' ),
			/* translators: {privileges}: privilege names. */
			'privilege_audit.excess_privileges_unknown_roles' => __( 'The application user holds privileges the site did not declare: {privileges}, granted by a role of the application user (its roles could not be read).', 'wpcrm-connect' ),
			/* translators: {privileges}: privilege names; {roles}: quoted role names. */
			'privilege_audit.foreign_role_only' => __( 'The site\'s own role does not grant {privileges}: the application user has it only through {roles}. Removing that role would break the site.', 'wpcrm-connect' ),
			'fix.foreign_role_only' => __( 'Press Repair (or run `wp wpcrm repair`): it adds the privileges to the site\'s own role. Or add them by hand to the site\'s role under Settings → Security roles.', 'wpcrm-connect' ),
			/* translators: {role_id}: a GUID. */
			'privilege_audit.site_role_missing' => __( 'The application user no longer holds the site\'s own role {role_id}.', 'wpcrm-connect' ),
			'fix.site_role_missing' => __( 'Press Repair (or run `wp wpcrm repair`), or In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user → Manage roles → add the site\'s role back.', 'wpcrm-connect' ),
			/* translators: {business_unit}: a GUID. */
			'privilege_audit.business_unit_not_root' => __( 'The application user is in business unit {business_unit}, not the root one: roles at Business Unit depth reach only that unit\'s rows, and the site\'s roles were made in the root unit.', 'wpcrm-connect' ),
			'fix.business_unit_not_root' => __( 'Press Repair (or run `wp wpcrm repair`), or In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user → change its business unit to the root one, then assign its roles again (moving removes them).', 'wpcrm-connect' ),
			'provision.nothing_to_repair' => __( 'Repair works on what this site\'s setup created, and this state records no finished setup (no application, environment or application user).', 'wpcrm-connect' ),
			'fix.provision.nothing_to_repair' => __( 'Run setup once (Set up automatically, or `wp wpcrm provision`); a connection entered by hand cannot be repaired, only verified.', 'wpcrm-connect' ),
			'provision.missing_client_secret' => __( 'Repair verifies the connection after its changes, with the site\'s current client secret, and none was given.', 'wpcrm-connect' ),
			'fix.provision.missing_client_secret' => __( 'Pass the saved connection\'s `client_secret` with `action: \'repair\'` (the plugin does).', 'wpcrm-connect' ),
			/* translators: {application_id}: a GUID; {instance_url}: the environment URL. */
			'app.no_role' => __( 'The application user of {application_id} in {instance_url} has no security role assigned. Dataverse lists no privilege for it.', 'wpcrm-connect' ),
			/* translators: {application_id}: a GUID. */
			'fix.no_role' => __( 'In the Power Platform admin center open Environments → your environment → Settings → Users + permissions → Application users → select the app user of {application_id} → Edit security roles, and assign Basic User plus a role that can read the tables the site needs (or run setup again, which assigns them).', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'host.login' => __( 'the Entra ID sign-in host {host}', 'wpcrm-connect' ),
			/* translators: {target}: which host, such as "the Microsoft Graph host graph.microsoft.com". */
			'fix.timeout_host' => __( '{target} did not answer within the time allowed. Retry; if it persists, check the server\'s outbound HTTPS (firewall, proxy via wpcrm.proxy) or raise the timeout option.', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'fix.dns_login' => __( 'The Entra ID sign-in host {host} did not resolve. That name is Microsoft\'s and always exists, so the environment URL is not the cause: this server\'s DNS resolver or outbound network is failing. Check the server\'s DNS settings (/etc/resolv.conf), that it may resolve and reach {host}, and set wpcrm.proxy if the server must use a proxy.', 'wpcrm-connect' ),
			/* translators: {target}: which host, such as "the Microsoft Graph host graph.microsoft.com". */
			'fix.connect_host' => __( 'The server could not open a connection to {target}: allow outbound HTTPS (port 443) to it in the firewall, or set wpcrm.proxy if the server must use a proxy.', 'wpcrm-connect' ),
			/* translators: {target}: which host, such as "the Microsoft Graph host graph.microsoft.com". */
			'fix.tls_host' => __( 'The TLS certificate of {target} was not trusted. If a TLS-inspecting proxy or firewall sits between this server and Microsoft, add its root certificate (PEM) to wpcrm.ca_file; otherwise update the system\'s CA certificates (ca-certificates package).', 'wpcrm-connect' ),
			/* translators: {target}: which host, such as "the Microsoft Graph host graph.microsoft.com". */
			'fix.network_host' => __( 'The connection to {target} broke during the exchange. Retry; if it persists, check proxies and firewalls between this server and Microsoft.', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'host.graph' => __( 'the Microsoft Graph host {host}', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'fix.dns_graph' => __( 'The Microsoft Graph host {host} did not resolve. That name is Microsoft\'s and always exists, so the environment URL is not the cause: this server\'s DNS resolver or outbound network is failing. Check the server\'s DNS settings (/etc/resolv.conf), that it may resolve and reach {host}, and set wpcrm.proxy if the server must use a proxy.', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'host.discovery' => __( 'the Dataverse discovery host {host}', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'fix.dns_discovery' => __( 'The Dataverse discovery host {host} did not resolve. That name is Microsoft\'s and always exists, so the environment URL is not the cause: this server\'s DNS resolver or outbound network is failing. Check the server\'s DNS settings (/etc/resolv.conf), that it may resolve and reach {host}, and set wpcrm.proxy if the server must use a proxy.', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'host.environment' => __( 'the environment\'s host {host}', 'wpcrm-connect' ),
			/* translators: {host}: a host name. */
			'fix.dns_environment' => __( 'The environment\'s host {host} did not resolve: check the environment URL for typos (a deleted or renamed environment no longer resolves), then the server\'s DNS.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53000.device_code' => __( 'Sign in in the browser on a compliant device (a device code sign-in can never satisfy this policy: the device that approves the code is not the one that gets the token); or ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the policy that requires a compliant device.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53001.device_code' => __( 'Sign in in the browser on a hybrid joined device (device code cannot satisfy it); or ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the policy.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53002' => __( 'Ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app exclude the client app {client_id} from the \'Require approved client app\' policy, or run setup with an approved client (wpcrm.admin_client_id).', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53003.device_code' => __( 'Use "Sign in in the browser" (WP-CLI: --sign-in=browser) instead of the device code; otherwise ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the blocking policy. The sign-in logs (Microsoft Entra admin center → Sign-in logs → Conditional Access tab) name the policy.', 'wpcrm-connect' ),
			'fix.sign_in.AADSTS53004' => __( 'Ask an administrator to review the risky sign-in (Microsoft Entra admin center → Protection → Identity Protection → Risky users) and dismiss or remediate the risk, then sign in again.', 'wpcrm-connect' ),
			'fix.sign_in.AADSTS530032' => __( 'Ask an administrator to review the policy in the sign-in logs (Conditional Access tab), or use "Sign in in the browser" (WP-CLI: --sign-in=browser) instead of the device code, or sign in with an account the policy allows.', 'wpcrm-connect' ),
			/* translators: {resource}: what the sign-in was for (English). */
			'fix.sign_in.AADSTS50074' => __( 'Sign in again and complete the MFA prompt, or use "Sign in in the browser" (WP-CLI: --sign-in=browser) instead of the device code; if no prompt appears, ask the Conditional Access administrator which policy requires MFA for {resource}.', 'wpcrm-connect' ),
			'fix.sign_in.AADSTS50072' => __( 'Register an MFA method at https://aka.ms/mfasetup with this account, then sign in again.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS50097' => __( 'Sign in in the browser on a registered or joined device (with its Microsoft Entra identity, e.g. Edge or the Enterprise SSO extension); or ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the policy that requires it.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS50158' => __( 'Sign in interactively and complete the external challenge, or use "Sign in in the browser" (WP-CLI: --sign-in=browser) instead of the device code; or ask the administrator to exempt this account or the client app {client_id} from the custom control.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS50105' => __( 'Ask an administrator to assign the account to the enterprise application {client_id} (Enterprise applications → the app → Users and groups), or turn off \'Assignment required\'.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id; {resource}: what the sign-in was for (English). */
			'fix.sign_in.AADSTS65001' => __( 'Ask a Global Administrator or Privileged Role Administrator to grant admin consent to {client_id} for {resource} (Microsoft Entra admin center → Enterprise applications → the app → Permissions), or to sign in once and accept the consent prompt.', 'wpcrm-connect' ),
			'fix.sign_in.AADSTS65002' => __( 'Use a client that is pre-authorized for the resource, or your own public client registration, as wpcrm.admin_client_id.', 'wpcrm-connect' ),
			'fix.sign_in.AADSTS65004' => __( 'Run again and approve the sign-in (and the consent prompt) with an administrator account; if consent is not yours to give, ask an administrator to grant admin consent for the client app.', 'wpcrm-connect' ),
			/* translators: {code}: an error code such as AADSTS50000; {aadsts}: its number; {client_id}: the admin client id. */
			'fix.sign_in.generic' => __( 'Look up {code} at https://login.microsoftonline.com/error?code={aadsts}; if a tenant policy is named, ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}), or use "Sign in in the browser" (WP-CLI: --sign-in=browser) instead of the device code.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.interaction_required' => __( 'Sign in again in the browser and complete every prompt; if the sign-in logs name a Conditional Access policy, ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}).', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53000' => __( 'Sign in in the browser on a compliant device; or ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the policy that requires a compliant device.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53001' => __( 'Sign in in the browser on a hybrid joined device; or ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the policy.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53003.browser' => __( 'Sign in from a device and location the policy allows; otherwise ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the blocking policy. The sign-in logs (Microsoft Entra admin center → Sign-in logs → Conditional Access tab) name the policy.', 'wpcrm-connect' ),
			'fix.sign_in.AADSTS530032.browser' => __( 'Ask an administrator to review the policy in the sign-in logs (Conditional Access tab), or sign in with an account the policy allows.', 'wpcrm-connect' ),
			/* translators: {resource}: what the sign-in was for (English). */
			'fix.sign_in.AADSTS50074.browser' => __( 'Sign in again and complete the MFA prompt; if no prompt appears, ask the Conditional Access administrator which policy requires MFA for {resource}.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS50158.browser' => __( 'Sign in interactively and complete the external challenge; or ask the administrator to exempt this account or the client app {client_id} from the custom control.', 'wpcrm-connect' ),
			/* translators: {client_id}: the admin client id. */
			'fix.sign_in.AADSTS53003.refresh' => __( 'Sign in again from a device and location the policy allows, or use "Sign in in the browser" (WP-CLI: --sign-in=browser) instead of the device code; otherwise ask the Conditional Access administrator (Microsoft Entra admin center → Protection → Conditional Access) to exclude this account or the client app ({client_id}) from the blocking policy. The sign-in logs (Microsoft Entra admin center → Sign-in logs → Conditional Access tab) name the policy.', 'wpcrm-connect' ),
			'provision.sign_in_spent' => __( 'The earlier sign-in expired or was revoked (for example after a password change or a sign-in frequency policy); sign in again to continue.', 'wpcrm-connect' ),
			'fix.provision.sign_in_spent' => __( 'Sign in again when asked; the run then resumes where it stopped.', 'wpcrm-connect' ),
			/* translators: {method}: the value given. */
			'provision.invalid_sign_in_method' => __( 'Unknown sign-in method \'{method}\'.', 'wpcrm-connect' ),
			'fix.provision.invalid_sign_in_method' => __( 'Use \'device_code\' (the default) or \'browser\'.', 'wpcrm-connect' ),
			/* translators: {redirect_uri}: the sign-in redirect address. */
			'provision.invalid_sign_in_response' => __( 'The pasted address is not the address the browser was sent to after signing in (it starts with {redirect_uri} and carries code= and state=).', 'wpcrm-connect' ),
			/* translators: {redirect_uri}: the sign-in redirect address. */
			'fix.provision.invalid_sign_in_response' => __( 'Open the sign-in link again, sign in, and when the browser shows an error page for {redirect_uri}, copy the whole address from the address bar and paste it.', 'wpcrm-connect' ),
			'provision.sign_in_state_mismatch' => __( 'The pasted address belongs to another sign-in link (its state does not match), so it was not used.', 'wpcrm-connect' ),
			'fix.provision.sign_in_state_mismatch' => __( 'Open the sign-in link shown now (not an older one), sign in, and paste the address the browser ends on.', 'wpcrm-connect' ),
			/* translators: {missing}: field names. */
			'provision.connection_required' => __( 'Renewing the secret needs the current connection\'s {missing}.', 'wpcrm-connect' ),
			'fix.provision.connection_required' => __( 'Pass application_id (the Application (client) ID) and instance_url of the saved connection, and tenant_id when known.', 'wpcrm-connect' ),
			/* translators: {tenant}: a tenant id; {signed_in}: a tenant id. */
			'provision.wrong_tenant' => __( 'The administrator signed in to tenant {signed_in}, but the site\'s connection belongs to tenant {tenant}.', 'wpcrm-connect' ),
			'fix.provision.wrong_tenant' => __( 'Sign in again with an administrator account of the connection\'s tenant (the one its application is registered in).', 'wpcrm-connect' ),
			/* translators: {app_id}: a GUID. */
			'provision.application_not_found' => __( 'The application {app_id} that the site\'s connection uses was not found in the signed-in tenant (or the account cannot see it).', 'wpcrm-connect' ),
			'fix.provision.application_not_found' => __( 'Sign in with an administrator of the tenant the application is registered in. If the application was deleted, run setup again instead of renewing.', 'wpcrm-connect' ),
			/* translators: {minutes}: a number of minutes. */
			'provision.secret_not_accepted' => __( 'Entra ID still does not accept the new client secret after {minutes} minutes. The site keeps using its current secret.', 'wpcrm-connect' ),
			'fix.provision.secret_not_accepted' => __( 'Renew again later: the next renewal adds a fresh secret, and the unused one is removed once a renewal is saved.', 'wpcrm-connect' ),
			'provision.not_a_setup_run' => __( 'This state belongs to a renewal of the secret, not to a setup run: it cannot be continued as setup or undone.', 'wpcrm-connect' ),
			'fix.provision.not_a_setup_run' => __( 'Continue it with action \'renew\' (then \'forget_secret\' once the new secret is saved), or start setup without a state.', 'wpcrm-connect' ),
			/* translators: {value}: the value given. */
			'provision.invalid_cloud' => __( '\'{value}\' is not a cloud wpcrm knows.', 'wpcrm-connect' ),
			'fix.provision.invalid_cloud' => __( 'Choose one of public, gcc, usgovhigh, usgovdod or china, or leave the cloud empty to follow the environment URL (the public cloud when there is none).', 'wpcrm-connect' ),
			/* translators: {chosen}: a cloud name; {instance_url}: the environment URL; {url_cloud}: a cloud name. */
			'provision.cloud_mismatch' => __( 'The cloud chosen is {chosen}, but {instance_url} is an environment of the {url_cloud} cloud.', 'wpcrm-connect' ),
			/* translators: {url_cloud}: a cloud name. */
			'fix.provision.cloud_mismatch' => __( 'Choose the cloud {url_cloud} (or leave the cloud empty: it follows from the environment URL), or correct the environment URL. Each cloud has its own sign-in, Graph and Dataverse hosts; nothing is sent across clouds.', 'wpcrm-connect' ),
			/* translators: {signed_in_cloud}: a cloud name; {wanted_cloud}: a cloud name. */
			'provision.signed_in_elsewhere' => __( 'This setup signed in to the {signed_in_cloud} cloud, but the environment or cloud now asked for is in the {wanted_cloud} cloud; a sign-in (and its tokens) is valid in one cloud only.', 'wpcrm-connect' ),
			/* translators: {wanted_cloud}: a cloud name; {signed_in_cloud}: a cloud name. */
			'fix.provision.signed_in_elsewhere' => __( 'Cancel this setup and start again with the cloud {wanted_cloud}, or pick an environment of the {signed_in_cloud} cloud.', 'wpcrm-connect' ),
			/* translators: {app_id}: a GUID. */
			'provision.app_user_duplicate_unseen' => __( 'Dataverse refuses to create an application user for application {app_id} because one exists, but does not list it to the signed-in account.', 'wpcrm-connect' ),
			'fix.provision.app_user_duplicate_unseen' => __( 'In the Power Platform admin center (Environment → Settings → Users + permissions → Application users), find the user of this application and make sure it is in the root business unit and visible to you, or delete it, then run again.', 'wpcrm-connect' ),
			'provision.cannot_register_apps' => __( 'The signed-in account may not register applications: the tenant\'s \'Users can register applications\' setting is off and the account holds none of the roles that may (Application Administrator, Cloud Application Administrator, Application Developer, Global Administrator). Nothing was created.', 'wpcrm-connect' ),
			'provision.app_registration_unchecked' => __( 'Whether the signed-in account may register applications could not be read beforehand; setup goes on and stops before anything else is created if Graph refuses.', 'wpcrm-connect' ),
			'fix.provision.app_registration_unchecked' => __( 'Nothing to do unless registering the application fails; then sign in with an Application Administrator.', 'wpcrm-connect' ),
			/* translators: {privileges}: privilege names; {instance_url}: the environment URL. */
			'provision.missing_environment_rights' => __( 'The signed-in account lacks {privileges} in {instance_url}, needed to create the application user, assign its roles and create the site\'s role. Nothing was created.', 'wpcrm-connect' ),
			'fix.provision.missing_environment_rights' => __( 'Sign in with a System Administrator of this environment (Power Platform admin center → Environments → the environment → Settings → Users + permissions → Users → your user → Manage security roles), or ask one to run setup, then run again.', 'wpcrm-connect' ),
			/* translators: {service}: Entra ID, Dataverse or Microsoft Graph; {minutes}: a number of minutes. */
			'fix.provision.replication_minutes' => __( '{service} still refuses the new application {minutes} minutes after it was created, longer than replication usually takes. If the message above names a cause (a missing right, a policy), fix that; otherwise run again later: the run resumes where it stopped and nothing is created twice.', 'wpcrm-connect' ),
			/* translators: {service}: Entra ID, Dataverse or Microsoft Graph; {seconds}: a number of seconds. */
			'fix.provision.replication_seconds' => __( '{service} still refuses the new application {seconds} seconds after it was created, longer than replication usually takes. If the message above names a cause (a missing right, a policy), fix that; otherwise run again later: the run resumes where it stopped and nothing is created twice.', 'wpcrm-connect' ),
			/* translators: {roles}: quoted role names. */
			'privilege_audit.pass' => __( 'The application user holds nothing well beyond what the site declared. Roles: {roles}.', 'wpcrm-connect' ),
			'privilege_audit.pass_roles_unreadable' => __( 'The application user holds nothing well beyond what the site declared. The application user\'s roles could not be read (it lacks prvReadRole), so privileges are judged without naming the roles that grant them.', 'wpcrm-connect' ),
			'privilege_audit.roles_unreadable' => __( 'The application user\'s roles could not be read (it lacks prvReadRole), so privileges are judged without naming the roles that grant them.', 'wpcrm-connect' ),
			'privilege_audit.skip' => __( 'Skipped: the application user was not identified.', 'wpcrm-connect' ),
		);
		// Codes that share their texts with another.
		$t['AADSTS900144'] = $t['AADSTS90014'];
		$t['fix.AADSTS900144'] = $t['fix.AADSTS90014'];
		$t['AADSTS700023'] = $t['AADSTS700022'];
		$t['fix.AADSTS700023'] = $t['fix.AADSTS700022'];
		$t['AADSTS70011'] = $t['AADSTS700022'];
		$t['fix.AADSTS70011'] = $t['fix.AADSTS700022'];
		$t['AADSTS7000114'] = $t['AADSTS7000112'];
		$t['fix.AADSTS7000114'] = $t['fix.AADSTS7000112'];
		$t['AADSTS50079'] = $t['AADSTS50076'];
		$t['fix.AADSTS50079'] = $t['fix.AADSTS50076'];
		// A privilege audit finding whose roles could not be read: its text, then the note.
		foreach ( array( 'powerful_role', 'excess_privileges', 'excess_privileges_unknown_roles', 'foreign_role_only', 'site_role_missing', 'business_unit_not_root' ) as $finding ) {
			$t[ 'privilege_audit.' . $finding . '.roles_unreadable' ] = $t[ 'privilege_audit.' . $finding ] . ' ' . $t['privilege_audit.roles_unreadable'];
		}
		return $t;
	}

	/**
	 * The titles of provisioning steps (setup, renewal, repair, rollback), by the engine's English
	 * title: one step id can carry different titles (a renewal's `client_secret` adds a new secret).
	 *
	 * @return array<string, string>
	 */
	public static function step_titles(): array {
		return array(
			'Sign in as an administrator' => __( 'Sign in as an administrator', 'wpcrm-connect' ),
			'Choose the Dataverse environment' => __( 'Choose the Dataverse environment', 'wpcrm-connect' ),
			'Register the Entra ID application' => __( 'Register the Entra ID application', 'wpcrm-connect' ),
			'Create the application\'s service principal' => __( 'Create the application\'s service principal', 'wpcrm-connect' ),
			'Create a client secret' => __( 'Create a client secret', 'wpcrm-connect' ),
			'Find the root business unit' => __( 'Find the root business unit', 'wpcrm-connect' ),
			'Create the Dataverse application user' => __( 'Create the Dataverse application user', 'wpcrm-connect' ),
			'Assign security roles' => __( 'Assign security roles', 'wpcrm-connect' ),
			'Create the least-privilege role' => __( 'Create the least-privilege role', 'wpcrm-connect' ),
			'Verify the connection' => __( 'Verify the connection', 'wpcrm-connect' ),
			'Check the administrator\'s rights' => __( 'Check the administrator\'s rights', 'wpcrm-connect' ),
			'Find the site\'s application' => __( 'Find the site\'s application', 'wpcrm-connect' ),
			'Add a new client secret' => __( 'Add a new client secret', 'wpcrm-connect' ),
			'Wait until Entra ID accepts the new secret' => __( 'Wait until Entra ID accepts the new secret', 'wpcrm-connect' ),
			'Verify the connection with the new secret' => __( 'Verify the connection with the new secret', 'wpcrm-connect' ),
			'Remove the least-privilege role from the application user' => __( 'Remove the least-privilege role from the application user', 'wpcrm-connect' ),
			'Delete the least-privilege role' => __( 'Delete the least-privilege role', 'wpcrm-connect' ),
			'Disable the application user' => __( 'Disable the application user', 'wpcrm-connect' ),
			'Delete the application user' => __( 'Delete the application user', 'wpcrm-connect' ),
			'Remove the client secret' => __( 'Remove the client secret', 'wpcrm-connect' ),
			'Delete the service principal' => __( 'Delete the service principal', 'wpcrm-connect' ),
			'Delete the application' => __( 'Delete the application', 'wpcrm-connect' ),
		);
	}
}
