<?php
/**
 * Renders a verification report as an accessible checklist.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Admin;

use Wpcrm\Connect\Messages;
use Wpcrm\Connect\Verifier;

/**
 * The only HTML renderer of reports: the settings page prints it, and `POST /verify` returns it so the
 * page's script inserts the same markup. Every value is escaped here.
 */
final class Report_View {

	/**
	 * Status => dashicon class.
	 */
	private const ICONS = array(
		'pass' => 'dashicons-yes-alt',
		'warn' => 'dashicons-warning',
		'fail' => 'dashicons-dismiss',
		'skip' => 'dashicons-minus',
	);

	/**
	 * Human label of a check status.
	 *
	 * @param string $status pass|warn|fail|skip.
	 */
	public static function status_label( string $status ): string {
		switch ( $status ) {
			case 'pass':
				return __( 'Passed', 'wpcrm-connect' );
			case 'warn':
				return __( 'Warning', 'wpcrm-connect' );
			case 'fail':
				return __( 'Failed', 'wpcrm-connect' );
			default:
				return __( 'Skipped', 'wpcrm-connect' );
		}
	}

	/**
	 * Renders a report.
	 *
	 * @param array    $report     Report from wpcrm_verify_connection().
	 * @param int|null $checked_at When it ran (unix time), if known.
	 * @return string HTML.
	 */
	public static function render( array $report, ?int $checked_at = null ): string {
		$status = Verifier::status( $report );
		switch ( $status ) {
			case 'pass':
				$summary = __( 'The connection works: every check passed.', 'wpcrm-connect' );
				break;
			case 'warn':
				$summary = __( 'The connection works, with warnings to look at.', 'wpcrm-connect' );
				break;
			default:
				$summary = __( 'The connection does not work yet. Fix the failed checks below, then verify again.', 'wpcrm-connect' );
		}

		$html  = '<div class="wpcrm-report wpcrm-report--' . esc_attr( $status ) . '" data-wpcrm-report-status="' . esc_attr( $status ) . '">';
		$html .= '<p class="wpcrm-report__summary"><strong>' . esc_html( $summary ) . '</strong>';
		$meta  = array();
		if ( isset( $report['instance_url'] ) && is_string( $report['instance_url'] ) ) {
			$meta[] = esc_html( $report['instance_url'] );
		}
		if ( isset( $report['elapsed_ms'] ) ) {
			/* translators: %s: duration in milliseconds. */
			$meta[] = esc_html( sprintf( __( '%s ms', 'wpcrm-connect' ), number_format_i18n( (int) $report['elapsed_ms'] ) ) );
		}
		if ( null !== $checked_at ) {
			/* translators: %s: date and time of the check. */
			$meta[] = esc_html( sprintf( __( 'checked %s', 'wpcrm-connect' ), wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $checked_at ) ) );
		}
		if ( $meta ) {
			$html .= ' <span class="wpcrm-report__meta">(' . implode( ' · ', $meta ) . ')</span>';
		}
		$html .= '</p><ul class="wpcrm-checklist" id="wpcrm-checklist">';

		foreach ( (array) ( $report['checks'] ?? array() ) as $check ) {
			if ( ! is_array( $check ) ) {
				continue;
			}
			$check        = Messages::localize_check( $check );
			$check_status = in_array( $check['status'] ?? '', array( 'pass', 'warn', 'fail', 'skip' ), true ) ? $check['status'] : 'skip';
			$id           = (string) ( $check['id'] ?? '' );
			$html        .= '<li class="wpcrm-check wpcrm-check--' . esc_attr( $check_status ) . '" data-wpcrm-check="' . esc_attr( $id ) . '" data-wpcrm-status="' . esc_attr( $check_status ) . '">';
			$html        .= '<span class="dashicons ' . esc_attr( self::ICONS[ $check_status ] ) . '" aria-hidden="true"></span> ';
			$html        .= '<span class="wpcrm-check__status">' . esc_html( self::status_label( $check_status ) ) . ':</span> ';
			$html        .= '<span class="wpcrm-check__title">' . esc_html( (string) ( $check['title'] ?? $id ) ) . '</span>';
			if ( isset( $check['elapsed_ms'] ) && null !== $check['elapsed_ms'] ) {
				/* translators: %s: duration in milliseconds. */
				$html .= ' <span class="wpcrm-check__time">' . esc_html( sprintf( __( '%s ms', 'wpcrm-connect' ), number_format_i18n( (int) $check['elapsed_ms'] ) ) ) . '</span>';
			}
			if ( ! empty( $check['detail'] ) ) {
				$html .= '<div class="wpcrm-check__detail">' . esc_html( (string) $check['detail'] ) . '</div>';
			}
			if ( ! empty( $check['fix'] ) ) {
				$html .= '<div class="wpcrm-check__fix"><strong>' . esc_html__( 'How to fix:', 'wpcrm-connect' ) . '</strong> ' . esc_html( (string) $check['fix'] ) . '</div>';
			}
			if ( ! empty( $check['code'] ) ) {
				/* translators: %s: an error code such as AADSTS7000215 or 0x80040220. */
				$html .= '<div class="wpcrm-check__code">' . esc_html( sprintf( __( 'Code: %s', 'wpcrm-connect' ), (string) $check['code'] ) ) . '</div>';
			}
			$html .= self::repair_button( $check, $check_status );
			$html .= '</li>';
		}
		$html .= '</ul></div>';
		return $html;
	}

	/**
	 * "Repair" beside a failed or warned check setup could fix (`repairable`), for those who may run
	 * setup. The page's script sends it to `POST /provision` with `action: repair`.
	 *
	 * @param array  $check  Check.
	 * @param string $status Its status.
	 */
	private static function repair_button( array $check, string $status ): string {
		if ( empty( $check['repairable'] ) || ! in_array( $status, array( 'fail', 'warn' ), true ) || ! current_user_can( \Wpcrm\Connect\Capabilities::SETUP ) ) {
			return '';
		}
		return '<p class="wpcrm-check__repair"><button type="button" class="button wpcrm-repair-button" data-wpcrm-repair="' . esc_attr( (string) ( $check['repair'] ?? '' ) ) . '">'
			. esc_html__( 'Repair', 'wpcrm-connect' ) . '</button> <span class="description">'
			. esc_html__( 'Sign in as an administrator once; only what is missing is changed, on this site\'s own app user and role.', 'wpcrm-connect' )
			. '</span></p>';
	}
}
