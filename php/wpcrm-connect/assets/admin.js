/**
 * Dataverse Connection panel: "Set up automatically" (device code sign-in, or the browser sign-in with
 * a pasted-back address; environment choice, steps)
 * and "Verify connection". Talks only to the plugin's REST routes with the wp_rest nonce.
 * The panel's state is mirrored in data-wpcrm-state for tests:
 * idle | starting | signing-in | choose-environment | in-progress | done | failed | cancelled | rolling-back | rolled-back | verifying | repairing | repaired
 * | renewing | renewed.
 */
( function () {
	'use strict';

	var config = window.wpcrmConnect;
	var panel = document.getElementById( 'wpcrm-connect-panel' );
	if ( ! config || ! panel ) {
		return;
	}
	var i18n = config.i18n || {};
	var el = function ( id ) {
		return document.getElementById( id );
	};
	var setupButton = el( 'wpcrm-setup-button' );
	var cancelButton = el( 'wpcrm-cancel-button' );
	var rollbackButton = el( 'wpcrm-rollback-button' );
	var verifyButton = el( 'wpcrm-verify-button' );
	var signIn = el( 'wpcrm-signin' );
	var envBox = el( 'wpcrm-environments' );
	var envList = el( 'wpcrm-environment-list' );
	var stepsList = el( 'wpcrm-steps' );
	var message = el( 'wpcrm-message' );
	var errorBox = el( 'wpcrm-error' );
	var reportBox = el( 'wpcrm-report' );
	var noticesBox = el( 'wpcrm-notices' );
	var pollTimer = null;
	var running = false;
	// While "Undo setup" runs, a sign-in it asks for continues the rollback, not a setup poll.
	var rollbackStep = null;

	function setState( state ) {
		panel.setAttribute( 'data-wpcrm-state', state );
	}

	function say( text ) {
		message.textContent = text || '';
	}

	function showError( error ) {
		errorBox.textContent = '';
		if ( ! error ) {
			errorBox.hidden = true;
			return;
		}
		var p = document.createElement( 'p' );
		p.textContent = error.message || String( error );
		errorBox.appendChild( p );
		if ( error.fix ) {
			var fix = document.createElement( 'p' );
			var strong = document.createElement( 'strong' );
			strong.textContent = i18n.howToFix + ' ';
			fix.appendChild( strong );
			fix.appendChild( document.createTextNode( error.fix ) );
			errorBox.appendChild( fix );
		}
		if ( error.code ) {
			errorBox.setAttribute( 'data-wpcrm-error-code', error.code );
		}
		errorBox.hidden = false;
	}

	/**
	 * The engine's notices of a step (e.g. an app that looked like this site's was left alone), as text.
	 */
	function showNotices( notices ) {
		if ( ! noticesBox || ! notices || ! notices.length ) {
			return;
		}
		notices.forEach( function ( notice ) {
			var p = document.createElement( 'p' );
			p.textContent = notice.message || '';
			if ( notice.code ) {
				p.setAttribute( 'data-wpcrm-notice', notice.code );
			}
			noticesBox.appendChild( p );
		} );
		noticesBox.hidden = false;
	}

	function api( path, body ) {
		return window.fetch( config.root + path, {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', 'X-WP-Nonce': config.nonce },
			body: JSON.stringify( body || {} )
		} ).then( function ( response ) {
			return response.json().then( function ( data ) {
				if ( ! response.ok ) {
					var err = new Error( ( data && data.message ) || response.statusText );
					err.code = data && data.code;
					throw err;
				}
				return data;
			} );
		} );
	}

	function busy( on ) {
		running = on;
		setupButton.disabled = on || ! config.extension;
		verifyButton.disabled = on || ! config.extension;
		if ( renewButton ) {
			renewButton.disabled = on || ! config.extension;
		}
		cancelButton.hidden = ! on;
	}

	function drawSteps( steps ) {
		stepsList.textContent = '';
		( steps || [] ).forEach( function ( step, index ) {
			var id = step.id || step.name || String( index );
			var status = step.status || 'pending';
			var li = document.createElement( 'li' );
			li.className = 'wpcrm-step wpcrm-step--' + status;
			li.setAttribute( 'data-wpcrm-step', id );
			li.setAttribute( 'data-wpcrm-status', status );
			var label = document.createElement( 'span' );
			label.className = 'wpcrm-step__status';
			label.textContent = ( ( i18n.stepStatus || {} )[ status ] || status ) + ': ';
			var title = document.createElement( 'span' );
			title.className = 'wpcrm-step__title';
			title.textContent = step.title || step.label || id;
			li.appendChild( label );
			li.appendChild( title );
			if ( step.detail ) {
				var detail = document.createElement( 'span' );
				detail.className = 'wpcrm-step__detail';
				detail.textContent = ' — ' + step.detail;
				li.appendChild( detail );
			}
			stepsList.appendChild( li );
		} );
	}

	function drawEnvironments( environments ) {
		envList.textContent = '';
		( environments || [] ).forEach( function ( env, index ) {
			var id = 'wpcrm-env-' + index;
			var row = document.createElement( 'p' );
			var input = document.createElement( 'input' );
			input.type = 'radio';
			input.name = 'wpcrm-environment';
			input.id = id;
			input.value = env.url;
			input.setAttribute( 'data-wpcrm-environment', env.unique_name || env.url );
			if ( environments.length === 1 ) {
				input.checked = true;
			}
			var label = document.createElement( 'label' );
			label.htmlFor = id;
			var text = ( env.friendly_name || env.unique_name || env.url ) + ' (' + env.url;
			if ( env.region ) {
				text += ', ' + i18n.region.replace( '%s', env.region );
			}
			if ( env.is_system_admin === false ) {
				text += ', ' + i18n.notAdmin;
			}
			label.textContent = text + ')';
			row.appendChild( input );
			row.appendChild( document.createTextNode( ' ' ) );
			row.appendChild( label );
			envList.appendChild( row );
		} );
	}

	/**
	 * Shows how to sign in: a code to enter (device code), or a link to open and a field to paste the
	 * address the browser ended on (browser sign-in). Returns whether to keep polling.
	 */
	function showSignIn( signInInfo ) {
		var browser = signInInfo.method === 'browser';
		el( 'wpcrm-signin-device' ).hidden = browser;
		el( 'wpcrm-signin-paste' ).hidden = ! browser;
		signIn.setAttribute( 'data-wpcrm-sign-in-method', browser ? 'browser' : 'device_code' );
		signIn.hidden = false;
		if ( browser ) {
			var authorize = el( 'wpcrm-authorize-link' );
			authorize.href = signInInfo.authorize_url || signInInfo.verification_uri;
			signIn.setAttribute( 'data-wpcrm-authorize-url', authorize.href );
			say( i18n.waitingPaste );
			return false;
		}
		var link = el( 'wpcrm-verification-link' );
		link.href = signInInfo.verification_uri;
		link.textContent = signInInfo.verification_uri;
		el( 'wpcrm-user-code' ).textContent = signInInfo.user_code;
		signIn.setAttribute( 'data-wpcrm-user-code', signInInfo.user_code );
		say( i18n.waitingSignIn );
		return true;
	}

	function schedulePoll() {
		window.clearTimeout( pollTimer );
		pollTimer = window.setTimeout( function () {
			provision( 'poll' );
		}, config.pollInterval || 2000 );
	}

	function handle( result ) {
		drawSteps( result.steps );
		showNotices( result.notices );
		signIn.hidden = true;
		envBox.hidden = true;
		switch ( result.status ) {
			case 'sign_in_required':
				setState( 'signing-in' );
				// The browser sign-in waits for the pasted address, not for a poll.
				if ( showSignIn( result.sign_in ) ) {
					schedulePoll();
				}
				break;
			case 'choose_environment':
				setState( 'choose-environment' );
				drawEnvironments( result.environments );
				envBox.hidden = false;
				say( i18n.chooseEnv );
				break;
			case 'in_progress':
				setState( 'in-progress' );
				say( i18n.working );
				schedulePoll();
				break;
			case 'done':
				setState( result.repaired ? 'repaired' : 'done' );
				busy( false );
				rollbackButton.hidden = result.can_rollback === false;
				if ( result.verification_html ) {
					reportBox.innerHTML = result.verification_html; // Escaped server-side by Report_View.
				}
				var toLegacy = ( result.saved_to || [] ).indexOf( 'msdyncrm_options' ) !== -1;
				say( result.repaired ? i18n.repaired : ( toLegacy ? i18n.done : i18n.doneHere ) );
				if ( result.redirect ) {
					panel.setAttribute( 'data-wpcrm-redirect', result.redirect );
					window.setTimeout( function () {
						window.location.assign( result.redirect );
					}, 1500 );
				}
				break;
			case 'cancelled':
				setState( 'cancelled' );
				busy( false );
				say( i18n.cancelled );
				break;
			case 'idle':
				setState( 'idle' );
				busy( false );
				say( '' );
				break;
			default:
				setState( 'failed' );
				busy( false );
				say( i18n.failed );
				showError( result.error || { message: i18n.failed } );
		}
	}

	function fail( err ) {
		window.clearTimeout( pollTimer );
		setState( 'failed' );
		busy( false );
		say( '' );
		showError( { message: i18n.requestFailed + ' ' + err.message, code: err.code } );
	}

	function provision( action, extra ) {
		var body = { action: action };
		var instance = el( 'wpcrm-instance-url' );
		var tables = el( 'wpcrm-tables' );
		if ( action === 'start' ) {
			if ( instance && instance.value.trim() ) {
				body.instance_url = instance.value.trim();
			}
			if ( tables && tables.value.trim() ) {
				body.tables = tables.value;
			}
			body.secret_days = parseInt( el( 'wpcrm-secret-days' ).value, 10 ) || 180;
			if ( el( 'wpcrm-cloud' ) && el( 'wpcrm-cloud' ).value ) {
				body.cloud = el( 'wpcrm-cloud' ).value;
			}
		}
		Object.keys( extra || {} ).forEach( function ( key ) {
			body[ key ] = extra[ key ];
		} );
		return api( 'provision', body ).then( function ( result ) {
			if ( ! running && action === 'poll' ) {
				return; // Cancelled meanwhile.
			}
			handle( result );
		} ).catch( function ( err ) {
			if ( err.code === 'wpcrm_busy' && action === 'poll' && running ) {
				// Another writer (a second tab, WP-CLI, a poll still in flight) holds the site's lock
				// for a moment: send the same step again (with its sign-in choice or pasted address).
				window.clearTimeout( pollTimer );
				pollTimer = window.setTimeout( function () {
					provision( action, extra );
				}, config.pollInterval || 2000 );
				return;
			}
			fail( err );
		} );
	}

	setupButton.addEventListener( 'click', function () {
		showError( null );
		if ( noticesBox ) {
			noticesBox.textContent = '';
			noticesBox.hidden = true;
		}
		busy( true );
		setState( 'starting' );
		say( i18n.starting );
		provision( 'start' );
	} );

	cancelButton.addEventListener( 'click', function () {
		window.clearTimeout( pollTimer );
		running = false;
		api( 'provision', { action: 'cancel' } ).then( handle ).catch( fail );
	} );

	el( 'wpcrm-environment-continue' ).addEventListener( 'click', function () {
		var chosen = envList.querySelector( 'input[name="wpcrm-environment"]:checked' );
		if ( ! chosen ) {
			say( i18n.noEnvChosen );
			return;
		}
		envBox.hidden = true;
		setState( 'in-progress' );
		say( i18n.working );
		provision( 'choose_environment', { instance_url: chosen.value } );
	} );

	/** The next step of the sign-in the panel shows: of the setup, of "Undo setup", or of "Renew secret". */
	function signInNext( extra ) {
		window.clearTimeout( pollTimer );
		if ( renewing ) {
			window.clearTimeout( renewTimer );
			renew( extra );
			return;
		}
		if ( rollbackStep ) {
			rollbackStep( extra );
			return;
		}
		provision( 'poll', extra );
	}

	el( 'wpcrm-signin-browser' ).addEventListener( 'click', function () {
		say( i18n.working );
		signInNext( { sign_in_method: 'browser' } );
	} );

	el( 'wpcrm-signin-device-instead' ).addEventListener( 'click', function () {
		say( i18n.working );
		signInNext( { sign_in_method: 'device_code' } );
	} );

	el( 'wpcrm-signin-response-submit' ).addEventListener( 'click', function () {
		var input = el( 'wpcrm-signin-response' );
		var pasted = input.value.trim();
		if ( ! pasted ) {
			say( i18n.noPaste );
			return;
		}
		showError( null );
		input.value = '';
		setState( renewing ? 'renewing' : ( rollbackStep ? 'rolling-back' : 'in-progress' ) );
		say( i18n.signingIn );
		signInNext( { sign_in_response_url: pasted } );
	} );

	el( 'wpcrm-copy-code' ).addEventListener( 'click', function () {
		var code = el( 'wpcrm-user-code' ).textContent;
		if ( window.navigator.clipboard ) {
			window.navigator.clipboard.writeText( code ).then( function () {
				say( i18n.copied );
			}, function () {} );
		}
	} );

	/**
	 * After "Undo setup" the server has forgotten the connection: the settings form above must not
	 * keep showing it (saving it would write the deleted app's values back), nor the old report and
	 * the "setup finished" notice.
	 */
	function clearSavedConnection() {
		[ 'wpcrm-instance-url', 'wpcrm-tenant-id', 'wpcrm-application-id' ].forEach( function ( id ) {
			var input = el( id );
			if ( input ) {
				input.value = '';
			}
		} );
		var secretState = el( 'wpcrm-secret-state' );
		if ( secretState && secretState.getAttribute( 'data-wpcrm-secret' ) !== 'constant' ) {
			secretState.setAttribute( 'data-wpcrm-secret', 'missing' );
			secretState.textContent = i18n.secretRemoved;
		}
		[ 'wpcrm-secret-expiry', 'wpcrm-notice-provisioned' ].forEach( function ( id ) {
			var node = el( id );
			if ( node ) {
				node.hidden = true;
			}
		} );
		if ( reportBox ) {
			reportBox.textContent = '';
		}
	}

	rollbackButton.addEventListener( 'click', function () {
		if ( ! window.confirm( i18n.confirmUndo ) ) {
			return;
		}
		showError( null );
		busy( true );
		cancelButton.hidden = true;
		setState( 'rolling-back' );
		say( i18n.undoing );
		var step = function ( extra ) {
			var body = { action: 'rollback' };
			Object.keys( extra || {} ).forEach( function ( key ) {
				body[ key ] = extra[ key ];
			} );
			api( 'provision', body ).then( function ( result ) {
				drawSteps( result.steps );
				showNotices( result.notices );
				signIn.hidden = true;
				if ( result.status === 'in_progress' ) {
					setState( 'rolling-back' );
					pollTimer = window.setTimeout( step, 1000 );
					return;
				}
				if ( result.status === 'sign_in_required' && result.sign_in ) {
					// Undoing a finished setup needs a fresh administrator sign-in (a finished run
					// keeps no admin tokens).
					setState( 'signing-in' );
					if ( showSignIn( result.sign_in ) ) {
						pollTimer = window.setTimeout( step, config.pollInterval || 2000 );
					}
					return;
				}
				busy( false );
				rollbackStep = null;
				if ( result.status === 'rolled_back' ) {
					setState( 'rolled-back' );
					rollbackButton.hidden = true;
					say( i18n.rolledBack );
					clearSavedConnection();
				} else {
					setState( 'failed' );
					showError( result.error || { message: i18n.failed } );
				}
			} ).catch( function ( err ) {
				if ( err.code === 'wpcrm_busy' ) {
					// A step still in flight holds the lock: send this one again.
					pollTimer = window.setTimeout( function () {
						step( extra );
					}, 500 );
					return;
				}
				rollbackStep = null;
				fail( err );
			} );
		};
		rollbackStep = step;
		step();
	} );

	// "Repair" beside a repairable check (Report_View): one sign-in, the same panel as setup.
	reportBox.addEventListener( 'click', function ( event ) {
		var button = event.target.closest ? event.target.closest( '.wpcrm-repair-button' ) : null;
		if ( ! button ) {
			return;
		}
		showError( null );
		busy( true );
		running = true;
		setState( 'repairing' );
		say( i18n.repairing );
		provision( 'repair' );
	} );

	verifyButton.addEventListener( 'click', function () {
		showError( null );
		busy( true );
		cancelButton.hidden = true;
		setState( 'verifying' );
		say( i18n.verifying );
		api( 'verify', {} ).then( function ( result ) {
			reportBox.innerHTML = result.html; // Escaped server-side by Report_View.
			panel.setAttribute( 'data-wpcrm-report-status', result.report.status );
			setState( 'idle' );
			busy( false );
			say( '' );
		} ).catch( fail );
	} );

	/**
	 * "Renew secret": the same sign-in as setup, then a new secret on the same app. Each call of
	 * action `renew` starts the site's renewal or continues it; the server saves the new secret (and
	 * only then removes the older one). States: renewing | signing-in | renewed | failed.
	 */
	var renewButton = el( 'wpcrm-renew-button' );
	var renewTimer = null;
	var renewing = false; // The sign-in panel's buttons then continue the renewal, not a setup run.

	/** One step of the renewal; `extra` carries the sign-in switch or the pasted address, once. */
	function renew( extra ) {
		var days = parseInt( el( 'wpcrm-secret-days' ).value, 10 ) || 180;
		var params = { action: 'renew', secret_days: days };
		Object.keys( extra || {} ).forEach( function ( key ) {
			params[ key ] = extra[ key ];
		} );
		api( 'provision', params ).then( function ( result ) {
			drawSteps( result.steps );
			showNotices( result.notices );
			signIn.hidden = true;
			switch ( result.status ) {
				case 'sign_in_required':
					setState( 'signing-in' );
					showSignIn( result.sign_in );
					renewTimer = window.setTimeout( renew, config.pollInterval || 2000 );
					return;
				case 'in_progress':
					setState( 'renewing' );
					say( i18n.renewing );
					renewTimer = window.setTimeout( renew, config.pollInterval || 2000 );
					return;
				case 'done':
					renewing = false;
					busy( false );
					setState( 'renewed' );
					say( i18n.renewed );
					panel.setAttribute( 'data-wpcrm-secret-expires-at', result.secret_expires_at || '' );
					var expiry = el( 'wpcrm-secret-expiry' );
					var expires = result.secret_expires_at ? new Date( result.secret_expires_at ) : null;
					if ( expiry && expires && ! isNaN( expires.getTime() ) ) {
						expiry.textContent = i18n.expiresOn.replace( '%s', expires.toLocaleDateString() );
					}
					var reminder = el( 'wpcrm-notice-secret-expiry' );
					if ( reminder ) {
						reminder.hidden = true; // The secret it warned about is replaced.
					}
					if ( result.verification_html ) {
						reportBox.innerHTML = result.verification_html; // Escaped server-side by Report_View.
					}
					return;
				default:
					renewing = false;
					busy( false );
					setState( 'failed' );
					say( i18n.renewFailed );
					showError( result.error || { message: i18n.renewFailed } );
			}
		} ).catch( function ( err ) {
			if ( err.code === 'wpcrm_busy' ) {
				renewTimer = window.setTimeout( renew, config.pollInterval || 2000 );
				return;
			}
			renewing = false;
			fail( err );
		} );
	}

	if ( renewButton ) {
		renewButton.addEventListener( 'click', function () {
			window.clearTimeout( renewTimer );
			showError( null );
			if ( noticesBox ) {
				noticesBox.textContent = '';
				noticesBox.hidden = true;
			}
			busy( true );
			renewing = true;
			// A renewal left half way expires on its own; "Cancel" belongs to setup runs.
			cancelButton.hidden = true;
			setState( 'renewing' );
			say( i18n.renewing );
			renew();
		} );
	}

	if ( ! config.extension ) {
		setupButton.disabled = true;
		verifyButton.disabled = true;
	}
}() );
