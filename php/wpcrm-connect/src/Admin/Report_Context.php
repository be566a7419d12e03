<?php
/**
 * Which values a verification report checked, and whether they are still the saved ones.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect\Admin;

use Wpcrm\Connect\Verifier;

/**
 * Rendered above a report (the panel, the REST answers that carry report HTML). After the saved values
 * change, the last report is about values the site no longer uses: it is then marked stale
 * (`#wpcrm-report-context[data-wpcrm-report-stale=1]`, `#wpcrm-report-stale`) until the next check.
 */
final class Report_Context {

	/** Labels of the checked values (never the secret). */
	private static function labels(): array {
		return array(
			'instance_url'   => __( 'instance URL', 'wpcrm-connect' ),
			'tenant_id'      => __( 'tenant', 'wpcrm-connect' ),
			'application_id' => __( 'application (client) ID', 'wpcrm-connect' ),
		);
	}

	/**
	 * The saved values that differ from the ones the report checked (keys of Verifier::checked_values()).
	 * A report stored before this record existed counts as checked with unknown values: none differ.
	 *
	 * @param array $last    Verifier::last() entry.
	 * @param array $current Settings::connection().
	 * @return string[]
	 */
	public static function changed( array $last, array $current ): array {
		if ( ! is_array( $last['checked'] ?? null ) ) {
			return array();
		}
		$now     = Verifier::checked_values( $current );
		$changed = array();
		foreach ( $now as $key => $value ) {
			if ( (string) ( $last['checked'][ $key ] ?? '' ) !== $value ) {
				$changed[] = $key;
			}
		}
		return $changed;
	}

	/**
	 * HTML: "Checked with …" and, when the saved values changed since, the stale marker.
	 *
	 * @param array|null $last    Verifier::last() entry.
	 * @param array      $current Settings::connection().
	 */
	public static function render( ?array $last, array $current ): string {
		if ( null === $last || ! is_array( $last['checked'] ?? null ) ) {
			return '';
		}
		$labels  = self::labels();
		$changed = self::changed( $last, $current );
		$parts   = array();
		foreach ( $labels as $key => $label ) {
			$value   = (string) ( $last['checked'][ $key ] ?? '' );
			$parts[] = esc_html( $label ) . ' <code data-wpcrm-checked="' . esc_attr( $key ) . '">' . ( '' === $value ? esc_html__( '(not set)', 'wpcrm-connect' ) : esc_html( $value ) ) . '</code>';
		}
		$html  = '<div id="wpcrm-report-context" class="wpcrm-report-context" data-wpcrm-report-stale="' . ( $changed ? '1' : '0' ) . '">';
		$html .= '<p class="description">' . esc_html__( 'This report checked:', 'wpcrm-connect' ) . ' ' . implode( ', ', $parts ) . '.</p>';
		if ( $changed ) {
			$names = array_map(
				static function ( $key ) use ( $labels ) {
					return $labels[ $key ];
				},
				$changed
			);
			$html .= '<div id="wpcrm-report-stale" class="notice notice-warning inline"><p>' . esc_html(
				sprintf(
					/* translators: %s: the values that changed, e.g. "instance URL, tenant". */
					__( 'Out of date: the saved %s changed since this report. Press "Verify connection" to check the values the site uses now.', 'wpcrm-connect' ),
					implode( ', ', $names )
				)
			) . '</p></div>';
		}
		return $html . '</div>';
	}
}
