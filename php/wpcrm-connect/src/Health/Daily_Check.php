<?php
/**
 * The daily WP-Cron verification.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Health;

use Wpcrm\Connect\Extension;
use Wpcrm\Connect\Verifier;

/**
 * Verifies the saved connection once a day and stores the report for Site Health and the notice,
 * and records the application user's roles and privileges to report their drift (Drift).
 * A failure to schedule is recorded, not swallowed: Site Health shows it.
 */
final class Daily_Check extends Cron_Job {

	public const HOOK = 'wpcrm_connect_daily_check';

	public const RECURRENCE = 'daily';

	public const FIRST_RUN_IN = HOUR_IN_SECONDS;

	/** Option recording a scheduling failure (message) — empty when scheduled fine. */
	public const SCHEDULE_ERROR_OPTION = 'wpcrm_connect_schedule_error';

	/**
	 * Extension.
	 *
	 * @var Extension
	 */
	private $extension;

	/**
	 * Verifier.
	 *
	 * @var Verifier
	 */
	private $verifier;

	/**
	 * Constructor.
	 *
	 * @param Extension $extension Extension.
	 * @param Verifier  $verifier  Verifier.
	 */
	public function __construct( Extension $extension, Verifier $verifier ) {
		$this->extension = $extension;
		$this->verifier  = $verifier;
	}

	/**
	 * Records a failure to schedule (Site Health shows it), or clears it.
	 *
	 * @param string|null $failure Why scheduling failed.
	 */
	protected static function scheduling_result( ?string $failure ): void {
		if ( null === $failure ) {
			delete_option( self::SCHEDULE_ERROR_OPTION );
		} else {
			update_option( self::SCHEDULE_ERROR_OPTION, $failure, false );
		}
	}

	/**
	 * The cron callback.
	 *
	 * @return array|null The report, or null when nothing could run.
	 */
	public function run(): ?array {
		if ( ! $this->extension->available() ) {
			return null;
		}
		$report = $this->verifier->run( null, 'cron' );
		// What the audit saw, compared with the run before (Site Health and the notice show it).
		( new Drift() )->record( $report );
		return $report;
	}
}
