<?php
/**
 * Runs the verification with the saved settings and keeps the last report.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * The admin page, REST, WP-CLI and cron all verify through here; each renders the report itself.
 */
final class Verifier {

	/** Option holding the last report: report, checked_at (unix), trigger. */
	public const LAST_REPORT_OPTION = 'wpcrm_connect_last_report';

	/**
	 * Extension seam.
	 *
	 * @var Engine
	 */
	private $extension;

	/**
	 * Saved settings.
	 *
	 * @var Settings
	 */
	private $settings;

	/**
	 * Constructor.
	 *
	 * @param Engine    $extension Engine (the extension).
	 * @param Settings  $settings  Settings.
	 */
	public function __construct( Engine $extension, Settings $settings ) {
		$this->extension = $extension;
		$this->settings  = $settings;
	}

	/**
	 * Verifies the saved connection and stores the report.
	 *
	 * @param array|null $tables  Tables to check (map or list); null uses the saved ones.
	 * @param string     $trigger Who asked: 'admin', 'cli', 'cron', 'provision'.
	 * @param int|null   $timeout Deadline in seconds.
	 * @return array The report.
	 * @throws \RuntimeException When the extension is not available.
	 */
	public function run( ?array $tables = null, string $trigger = 'admin', ?int $timeout = null ): array {
		$options = array( 'tables' => null === $tables ? $this->settings->tables() : $tables );
		$expires = $this->settings->secret_expires_at();
		if ( null !== $expires ) {
			$options['secret_expires_at'] = $expires;
		}
		if ( null !== $timeout ) {
			$options['timeout'] = $timeout;
		}
		// The role setup made: the audit then tells when a needed privilege comes from another role.
		$role_id = (string) ( $this->settings->stored()['provisioned']['role_id'] ?? '' );
		if ( '' !== $role_id ) {
			$options['site_role_id'] = $role_id;
		}
		try {
			$report = $this->extension->verify( $this->settings->connection(), $options );
		} catch ( \RuntimeException $e ) {
			throw $e; // Extension not available: callers check that first.
		} catch ( \Throwable $e ) {
			// Only programming errors or a bug in the extension get here; the message never holds the secret.
			$report = self::error_report( $e );
		}
		$this->store( $report, $trigger );
		return $report;
	}

	/**
	 * A report with one failed check, for an exception thrown by the extension.
	 *
	 * @param \Throwable $e The exception.
	 * @return array
	 */
	public static function error_report( \Throwable $e ): array {
		return array(
			'ok'         => false,
			'status'     => 'fail',
			'checks'     => array(
				array(
					'id'         => 'extension',
					'status'     => 'fail',
					'title'      => __( 'The wpcrm extension could not run the check', 'wpcrm-connect' ),
					'detail'     => $e->getMessage(),
					'fix'        => __( 'Update the wpcrm extension (make install) and try again; if it persists, report it with the PHP error log.', 'wpcrm-connect' ),
					'code'       => 'extension_error',
					'elapsed_ms' => 0,
				),
			),
			'elapsed_ms' => 0,
			'requests'   => 0,
		);
	}

	/**
	 * Forgets the last report (the connection it was about was removed).
	 */
	public function forget(): void {
		delete_option( self::LAST_REPORT_OPTION );
	}

	/**
	 * Stores a report as the last one.
	 *
	 * @param array  $report  Report.
	 * @param string $trigger Who asked.
	 */
	public function store( array $report, string $trigger ): void {
		update_option(
			self::LAST_REPORT_OPTION,
			array(
				'report'     => $report,
				'checked_at' => time(),
				'trigger'    => $trigger,
				// Which saved values the report is about (never the secret): Admin\Report_Context shows
				// them, and the report as stale once the saved ones differ.
				'checked'    => self::checked_values( $this->settings->connection() ),
			),
			false
		);
	}

	/**
	 * The values of a connection a report is about: instance URL, tenant, application id (not the secret).
	 *
	 * @param array $connection Settings::connection().
	 * @return array{instance_url:string,tenant_id:string,application_id:string}
	 */
	public static function checked_values( array $connection ): array {
		return array(
			'instance_url'   => (string) ( $connection['instance_url'] ?? '' ),
			'tenant_id'      => (string) ( $connection['tenant_id'] ?? '' ),
			'application_id' => (string) ( $connection['application_id'] ?? '' ),
		);
	}

	/**
	 * The last stored report entry (report, checked_at, trigger, checked: see checked_values()), or null.
	 *
	 * @return array|null
	 */
	public function last(): ?array {
		$last = get_option( self::LAST_REPORT_OPTION, null );
		return is_array( $last ) && isset( $last['report'] ) && is_array( $last['report'] ) ? $last : null;
	}

	/**
	 * The overall status of a report: 'pass', 'warn' or 'fail'.
	 *
	 * @param array $report Report.
	 */
	public static function status( array $report ): string {
		$status = $report['status'] ?? null;
		if ( in_array( $status, array( 'pass', 'warn', 'fail' ), true ) ) {
			return $status;
		}
		return empty( $report['ok'] ) ? 'fail' : 'pass';
	}

	/**
	 * The checks of a report that did not pass, in order.
	 *
	 * @param array  $report Report.
	 * @param string $status 'fail' or 'warn'.
	 * @return array[]
	 */
	public static function checks_with( array $report, string $status ): array {
		$found = array();
		foreach ( (array) ( $report['checks'] ?? array() ) as $check ) {
			if ( is_array( $check ) && ( $check['status'] ?? '' ) === $status ) {
				$found[] = $check;
			}
		}
		return $found;
	}
}
