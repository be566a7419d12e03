<?php
/**
 * The plugin's message catalogue of the engine's texts: check titles, details and fixes (and the
 * provisioning errors' fixes), translated through the text domain 'wpcrm-connect'.
 *
 * @package Wpcrm\Connect
 */

namespace Wpcrm\Connect;

/**
 * Renders a check (or a provisioning error) in the site's language from its stable text ids and
 * named values (`detail_id`, `fix_id`, `params`; docs/verify.md, "Translations"). The English of each
 * entry is the engine's, letter for letter, so an untranslated site reads exactly what the engine
 * wrote. An id this catalogue does not know, or a placeholder without a value, falls back to the
 * engine's English text: a newer engine never shows a broken sentence.
 *
 * Placeholders are named, `{table}`, `{privilege}`; a value `X` that has a sibling `X_id` (a phrase
 * the text embeds, such as `{action}`) is itself rendered from the catalogue first.
 */
final class Messages {

	/**
	 * Translated templates, built once per request (after the text domain is loaded).
	 *
	 * @var array<string, string>|null
	 */
	private static ?array $texts = null;

	/**
	 * Translated step titles by English title, built once per request.
	 *
	 * @var array<string, string>|null
	 */
	private static ?array $step_titles = null;

	/**
	 * A report with every check's title, detail and fix in the site's language.
	 *
	 * @param array $report A report of wpcrm_verify_connection().
	 */
	public static function localize_report( array $report ): array {
		if ( isset( $report['checks'] ) && is_array( $report['checks'] ) ) {
			foreach ( $report['checks'] as $i => $check ) {
				if ( is_array( $check ) ) {
					$report['checks'][ $i ] = self::localize_check( $check );
				}
			}
		}
		return $report;
	}

	/**
	 * One check in the site's language.
	 *
	 * @param array $check A check of a report.
	 */
	public static function localize_check( array $check ): array {
		$params = is_array( $check['params'] ?? null ) ? $check['params'] : array();
		$kind   = strtok( (string) ( $check['id'] ?? '' ), ':' );
		$title  = 'table' === $kind && isset( $params['display_name'] ) ? 'title.table_named' : 'title.' . $kind;

		$check['title']  = self::render( $title, $params, (string) ( $check['title'] ?? '' ) );
		$check['detail'] = self::render( $check['detail_id'] ?? null, $params, (string) ( $check['detail'] ?? '' ) );
		if ( isset( $check['fix'] ) && is_string( $check['fix'] ) ) {
			$check['fix'] = self::render( $check['fix_id'] ?? null, $params, $check['fix'] );
		}
		return $check;
	}

	/**
	 * A provisioning error (or notice) in the site's language: its `message` and `fix`.
	 *
	 * @param array $error The `error` of wpcrm_provision(), or one of its `notices`.
	 */
	public static function localize_error( array $error ): array {
		$params = is_array( $error['params'] ?? null ) ? $error['params'] : array();
		if ( isset( $error['message'] ) && is_string( $error['message'] ) ) {
			$error['message'] = self::render( $error['detail_id'] ?? null, $params, $error['message'] );
		}
		if ( isset( $error['fix'] ) && is_string( $error['fix'] ) ) {
			$error['fix'] = self::render( $error['fix_id'] ?? null, $params, $error['fix'] );
		}
		return $error;
	}

	/**
	 * A provisioning step (`steps` of wpcrm_provision()) with its title in the site's language. Titles
	 * are looked up by the engine's English, not the step id: one id can carry different titles (a
	 * renewal's `client_secret` adds a new secret; setup's creates the first).
	 *
	 * @param mixed $step One step: id, title, status.
	 * @return mixed
	 */
	public static function localize_step( $step ) {
		if ( is_array( $step ) && isset( $step['title'] ) && is_string( $step['title'] ) ) {
			if ( null === self::$step_titles ) {
				self::$step_titles = Messages_Catalogue::step_titles();
			}
			$step['title'] = self::$step_titles[ $step['title'] ] ?? $step['title'];
		}
		return $step;
	}

	/**
	 * The text `$id` with its placeholders filled, or `$english` when that is not possible.
	 *
	 * @param mixed  $id      A text id (or null).
	 * @param array  $params  Named values.
	 * @param string $english The engine's English text.
	 */
	public static function render( $id, array $params, string $english ): string {
		$texts = self::texts();
		if ( ! is_string( $id ) || ! isset( $texts[ $id ] ) ) {
			return $english;
		}
		$values = array();
		foreach ( $params as $name => $value ) {
			if ( ! is_scalar( $value ) ) {
				continue;
			}
			$phrase_id = $params[ $name . '_id' ] ?? null;
			if ( is_string( $phrase_id ) && isset( $texts[ $phrase_id ] ) ) {
				$value = self::render( $phrase_id, array_diff_key( $params, array( $name . '_id' => 1 ) ), (string) $value );
			}
			$values[ '{' . $name . '}' ] = (string) $value;
		}
		$out = strtr( $texts[ $id ], $values );
		// A placeholder left unfilled: the values do not match this text; the engine's English does.
		return preg_match( '/\{[a-z_]+\}/', $out ) ? $english : $out;
	}

	/**
	 * Whether the catalogue has a text with this id.
	 *
	 * @param string $id A text id.
	 */
	public static function knows( string $id ): bool {
		return isset( self::texts()[ $id ] );
	}

	/**
	 * Forgets the translated templates (after a locale switch).
	 */
	public static function reset(): void {
		self::$texts       = null;
		self::$step_titles = null;
	}

	/**
	 * Every text, by id.
	 *
	 * @return array<string, string>
	 */
	private static function texts(): array {
		if ( null === self::$texts ) {
			self::$texts = Messages_Catalogue::texts();
		}
		return self::$texts;
	}
}
