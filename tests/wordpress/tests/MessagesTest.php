<?php
/**
 * Translations: a report rendered through the text domain 'wpcrm-connect' in the test locale
 * (languages/wpcrm-connect-de_DE.mo), the engine's English for ids the catalogue does not know,
 * English identical to the engine's for every check of real reports, and the .pot up to date.
 */

namespace Wpcrm\Connect\Tests;

use Wpcrm\Connect\Admin\Report_View;
use Wpcrm\Connect\Messages;

final class MessagesTest extends TestCase {

	protected function tearDown(): void {
		switch_to_locale( 'en_US' );
		unload_textdomain( 'wpcrm-connect' );
		Messages::reset();
		parent::tearDown();
	}

	private function german(): void {
		$mo = WPCRM_CONNECT_DIR . '/languages/wpcrm-connect-de_DE.mo';
		$this->assertFileExists( $mo );
		unload_textdomain( 'wpcrm-connect' );
		$this->assertTrue( load_textdomain( 'wpcrm-connect', $mo ) );
		Messages::reset();
	}

	/** A check as the engine reports it (ids and params as in a real report). */
	private function missing_table_check(): array {
		return array(
			'id'         => 'table:new_review',
			'status'     => 'fail',
			'title'      => 'Table new_review',
			'detail'     => "There is no table with the logical name 'new_review' in https://contoso.crm.dynamics.com.",
			'fix'        => 'Check the name: logical names are lower case and custom tables carry their publisher prefix (for example new_review). If the table comes from a solution, import it into https://contoso.crm.dynamics.com first.',
			'code'       => 'table_not_found',
			'elapsed_ms' => 10,
			'detail_id'  => 'app.table_not_found',
			'fix_id'     => 'fix.table_not_found',
			'params'     => array(
				'table'        => 'new_review',
				'instance_url' => 'https://contoso.crm.dynamics.com',
			),
		);
	}

	public function test_a_check_renders_in_the_test_locale(): void {
		$this->german();
		$check = Messages::localize_check( $this->missing_table_check() );
		$this->assertSame( 'Tabelle new_review', $check['title'] );
		$this->assertSame( "In https://contoso.crm.dynamics.com gibt es keine Tabelle mit dem logischen Namen 'new_review'.", $check['detail'] );
		$this->assertStringStartsWith( 'Prüfen Sie den Namen', $check['fix'] );
		$this->assertStringContainsString( 'zuerst in https://contoso.crm.dynamics.com.', $check['fix'] );

		$html = Report_View::render( array( 'status' => 'fail', 'ok' => false, 'checks' => array( $this->missing_table_check() ) ) );
		$this->assertStringContainsString( 'Fehlgeschlagen', $html );
		$this->assertStringContainsString( 'So beheben Sie es:', $html );
		$this->assertStringContainsString( 'Tabelle new_review', $html );
		$this->assertStringNotContainsString( 'There is no table', $html );
	}

	public function test_provisioning_steps_and_errors_render_in_the_test_locale(): void {
		$this->german();
		$step = Messages::localize_step( array( 'id' => 'sign_in', 'title' => 'Sign in as an administrator', 'status' => 'done' ) );
		$this->assertSame( 'Als Administrator anmelden', $step['title'] );
		$other = array( 'id' => 'rollback:remove_app', 'title' => 'Remove the application', 'status' => 'done' );
		$this->assertSame( $other, Messages::localize_step( $other ), 'a step the catalogue does not know stays English' );
		$renewal = Messages::localize_step( array( 'id' => 'client_secret', 'title' => 'Add a new client secret', 'status' => 'pending' ) );
		$this->assertSame( 'Neuen geheimen Clientschlüssel hinzufügen', $renewal['title'], "a renewal's step keeps its own title under setup's id" );
		$error = Messages::localize_error(
			array(
				'step'      => 'roles',
				'code'      => 'role_not_found',
				'message'   => "There is no security role named 'Site Reader' in the root business unit.",
				'fix'       => "Check the role's name in the Power Platform admin center (Security roles), or remove it from roles.",
				'detail_id' => 'provision.role_not_found',
				'fix_id'    => 'fix.provision.role_not_found',
				'params'    => array( 'name' => 'Site Reader' ),
			)
		);
		$this->assertSame( "In der Stamm-Unternehmenseinheit gibt es keine Sicherheitsrolle namens 'Site Reader'.", $error['message'] );
		$this->assertSame( "Check the role's name in the Power Platform admin center (Security roles), or remove it from roles.", $error['fix'], 'untranslated in the locale: English msgid' );
	}

	public function test_unknown_ids_and_missing_values_fall_back_to_the_engine_english(): void {
		$this->german();
		$check = array(
			'id'        => 'quota',
			'status'    => 'warn',
			'title'     => 'Request quota',
			'detail'    => 'A newer engine wrote this.',
			'fix'       => 'And this fix.',
			'code'      => 'too_much_access',
			'detail_id' => 'audit.too_much',
			'fix_id'    => 'fix.audit',
			'params'    => array(),
		);
		$this->assertSame( $check['title'], Messages::localize_check( $check )['title'] );
		$this->assertSame( $check['detail'], Messages::localize_check( $check )['detail'] );
		$this->assertSame( $check['fix'], Messages::localize_check( $check )['fix'] );
		// A known id whose values are missing: the engine's English, never a broken sentence.
		$broken                = $this->missing_table_check();
		$broken['params']      = array();
		$rendered              = Messages::localize_check( $broken );
		$this->assertSame( $broken['detail'], $rendered['detail'] );
		// An older report without ids at all.
		$old = $this->missing_table_check();
		unset( $old['detail_id'], $old['fix_id'], $old['params'] );
		$this->assertSame( $old['detail'], Messages::localize_check( $old )['detail'] );
	}

	/** In English the catalogue renders exactly what the engine wrote, for every check of real reports. */
	public function test_the_english_catalogue_is_the_engine_english(): void {
		$this->requireSandbox();
		$base    = array(
			'instance_url'   => \Wpcrm\Connect\Tests\Sandbox::instance_url(),
			'application_id' => Sandbox::app_ok(),
			'client_secret'  => Sandbox::secret_ok(),
		);
		$reports = array(
			wpcrm_verify_connection( $base, array( 'tables' => array( 'account', 'no_such_table' ), 'secret_expires_at' => '2020-01-01' ) ),
			wpcrm_verify_connection( array( 'client_secret' => 'Wrong8Q~notTheSecretValue.00000000000000001' ) + $base, array( 'tables' => array( 'account' ), 'secret_expires_at' => gmdate( 'Y-m-d', time() + 10 * 86400 ) ) ),
			wpcrm_verify_connection( array( 'instance_url' => 'http://example.com' ) + $base, array( 'secret_expires_at' => 'soon' ) ),
			wpcrm_verify_connection( array( 'tenant_id' => 'common' ) + $base ),
		);
		// Missing privileges (phrases inside the texts), a disabled user, then a hung tenant discovery.
		$this->assertSame( 204, Sandbox::remove_role( Sandbox::app_ok(), 'WordPress Site Reader' ) );
		$reports[] = wpcrm_verify_connection( $base, array( 'tables' => array( 'account', 'incident' => array( 'read', 'write' ) ) ) );
		Sandbox::call( 'POST', '/_sandbox/users/disable', array( 'environment' => Sandbox::environment(), 'application_id' => Sandbox::app_ok() ) );
		$reports[] = wpcrm_verify_connection( $base );
		Sandbox::call( 'POST', '/_sandbox/faults', array( 'path' => '/**', 'kind' => 'hang' ) );
		$reports[] = wpcrm_verify_connection( $base, array( 'timeout' => 1 ) );
		Sandbox::reset();
		$translated = 0;
		$ids        = array();
		foreach ( $reports as $report ) {
			foreach ( $report['checks'] as $check ) {
				$rendered = Messages::localize_check( $check );
				$this->assertSame( $check['title'], $rendered['title'], $check['id'] );
				$this->assertSame( $check['detail'], $rendered['detail'], $check['id'] . ' ' . ( $check['detail_id'] ?? '-' ) );
				$this->assertSame( $check['fix'], $rendered['fix'], $check['id'] . ' ' . ( $check['fix_id'] ?? '-' ) );
				if ( isset( $check['detail_id'] ) && Messages::knows( $check['detail_id'] ) ) {
					++$translated;
					$ids[ $check['detail_id'] ] = true;
				}
			}
		}
		$this->assertGreaterThan( 15, $translated, 'the checks carry ids the catalogue knows' );
		foreach ( array( 'app.missing_privileges', 'table.basic_depth', 'app.user_disabled', 'app.table_not_found', 'AADSTS7000215', 'secret_expiry.expired', 'secret_expiry.expiring', 'skip.token', 'input.tenant_not_a_tenant' ) as $id ) {
			$this->assertArrayHasKey( $id, $ids, 'a report exercised ' . $id . ' among ' . implode( ' ', array_keys( $ids ) ) );
		}
	}

	/**
	 * Checks added after the catalogue first shipped carry ids too: the least-privilege audit's
	 * warning for System Administrator, and an application user without any role. Their catalogue
	 * English is the engine's, and they render in the test locale.
	 */
	public function test_the_privilege_audit_and_no_role_render_in_the_test_locale(): void {
		$this->requireSandbox();
		$base = array(
			'instance_url'   => Sandbox::instance_url(),
			'application_id' => Sandbox::app_ok(),
			'client_secret'  => Sandbox::secret_ok(),
		);
		$assigned = Sandbox::call( 'POST', '/_sandbox/roles/assign', array( 'environment' => Sandbox::environment(), 'application_id' => Sandbox::app_ok(), 'role' => 'System Administrator' ) );
		$this->assertSame( 200, $assigned['status'] );
		$audit = $this->check_of( wpcrm_verify_connection( $base, array( 'tables' => array( 'account' ) ) ), 'privilege_audit' );
		// The application without any role: Dataverse lists no privilege (the sandbox's empty_list
		// variant), then refuses (its default), which quotes Dataverse: only the fix has an id.
		$no_roles = array(
			'application_id' => '55555555-5555-4555-8555-555555555555',
			'client_secret'  => 'Sbx8Q~noRolesSecretValue.0000000000000005',
		) + $base;
		Sandbox::call( 'POST', '/_sandbox/config', array( 'no_role_refusal' => 'empty_list' ) );
		$listed = $this->check_of( wpcrm_verify_connection( $no_roles ), 'app_user' );
		Sandbox::call( 'POST', '/_sandbox/config', array( 'no_role_refusal' => 'missing_privilege' ) );
		$refused = $this->check_of( wpcrm_verify_connection( $no_roles ), 'app_user' );
		Sandbox::reset();

		$this->assertSame( array( 'warn', 'system_administrator', 'privilege_audit.powerful_role', 'fix.powerful_role' ), array( $audit['status'], $audit['code'], $audit['detail_id'], $audit['fix_id'] ), wp_json_encode( $audit ) );
		$this->assertSame( array( 'no_role', 'app.no_role', 'fix.no_role' ), array( $listed['code'], $listed['detail_id'], $listed['fix_id'] ), wp_json_encode( $listed ) );
		$this->assertSame( array( 'no_role', null, 'fix.no_role' ), array( $refused['code'], $refused['detail_id'] ?? null, $refused['fix_id'] ), wp_json_encode( $refused ) );
		foreach ( array( $audit, $listed, $refused ) as $check ) {
			$rendered = Messages::localize_check( $check );
			$this->assertSame( array( $check['title'], $check['detail'], $check['fix'] ), array( $rendered['title'], $rendered['detail'], $rendered['fix'] ), 'English: ' . $check['id'] );
		}

		$this->german();
		$audit = Messages::localize_check( $audit );
		$this->assertSame( 'Minimale Berechtigungen', $audit['title'] );
		$this->assertStringStartsWith( "Der Anwendungsbenutzer hat die Rolle 'System Administrator' (System Administrator)", $audit['detail'] );
		$this->assertStringContainsString( "'System Administrator' entfernen", $audit['fix'] );
		$listed = Messages::localize_check( $listed );
		$this->assertStringStartsWith( 'Dem Anwendungsbenutzer von 55555555-5555-4555-8555-555555555555 in ' . Sandbox::instance_url() . ' ist keine Sicherheitsrolle zugewiesen.', $listed['detail'] );
		$this->assertStringStartsWith( 'Öffnen Sie im Power Platform Admin Center', $listed['fix'] );
		$refused_de = Messages::localize_check( $refused );
		$this->assertSame( $refused['detail'], $refused_de['detail'], "Dataverse's own words stay as sent" );
		$this->assertStringContainsString( 'den App-Benutzer von 55555555-5555-4555-8555-555555555555 auswählen', $refused_de['fix'] );
	}

	/** The check `$id` of a report. */
	private function check_of( array $report, string $id ): array {
		foreach ( $report['checks'] as $check ) {
			if ( $id === $check['id'] ) {
				return $check;
			}
		}
		$this->fail( 'no check ' . $id . ' in ' . wp_json_encode( $report ) );
	}

	public function test_the_pot_is_up_to_date_with_the_sources(): void {
		$script = dirname( WPCRM_CONNECT_DIR, 2 ) . '/scripts/make-pot.sh';
		if ( ! is_executable( '/usr/bin/xgettext' ) ) {
			$this->markTestSkipped( 'needs xgettext (gettext, scripts/install-deps.sh)' );
		}
		exec( escapeshellarg( $script ) . ' --check 2>&1', $output, $status );
		$this->assertSame( 0, $status, implode( "\n", $output ) );
	}
}
