// What may need a (fresh) MFA proof, and how the page gives it. Every call of the page goes
// through @mfakit/client (vendor/mfakit-client.js, window.MfaClient): it sends the MFA session
// and, when the server answers with a step-up challenge, calls `prompt`. Here `prompt` opens the
// challenge box next to the action and resolves with what the person gives: a code from the app,
// a code sent by email or SMS, a recovery code, or a passkey. The client proves it at /mfa (a new
// MFA session, or for a route that wants a proof for one request, a step-up grant bound to that
// request's body) and sends the call once more. Nothing here reads a challenge or a problem to
// decide whether to ask: the client does. The actions: the API calls, adding a passkey, setting up
// an authenticator app next to a passkey, removing a factor (and, in their files, codes by email
// or SMS, payees and the admin panel). Loaded after app.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

let boxAction = null; // the action the challenge box is open for, while it shows
let asking = null; // while the box waits for the person: { action, context, resolve } of the client's prompt
let challengeMode = 'code'; // 'code' (an app code), 'recovery', 'oob' (a code sent by email or SMS) or 'passkey' (its button only)
let challengeSent = null; // in 'oob' mode, once a code was sent: { factorId, hint, channel, expiresAt }
let boxFactors = []; // the user's factors, as the client found them for the prompt
let boxOnce = false; // whether the box asks for a proof for one request alone (a step-up grant)
let removing = null; // the id of the factor whose removal waits for "Remove it"

/**
 * @mfakit/client's fetch for one action: it keeps the MFA session in the page's store, signs the
 * /mfa calls with the access token, and asks the person in the challenge box, opened for `action`.
 */
// biome-ignore lint/correctness/noUnusedVariables: read by app.js: classic scripts share the page's global scope
function mfaFetch(action) {
  return MfaClient.createMfaFetch({
    base: '/mfa',
    headers: () => (accessToken() ? { Authorization: `Bearer ${accessToken()}` } : {}),
    session: { get: sessionToken, set: setSessionToken },
    startAuthentication: passkeys.startAuthentication,
    prompt: (challenge, context) => askInBox(action, challenge, context),
  });
}

/**
 * Runs an action. `run()` makes its calls with `api(method, path, { action })` and returns the
 * server's last answer, or null when it ended on its own (a cancelled passkey prompt);
 * `done(answer, proof)` shows a success, `proof` naming what the person gave in the challenge box
 * if it opened ('code', 'passkey', 'recovery code', 'code by email'); `fail(text)` shows a refusal
 * where the person is looking (the page's error line by default); `cancel()` runs when the person
 * cancels the box. `label` ("Removing passkey 'X'") and, for a proof made for the action alone,
 * `confirm` ("adding payee bob (DE89 ...)") word the box, which opens in `slot()`.
 */
async function attempt(action) {
  action.proof = '';
  const answer = await action.run();
  if (answer?.ok) await action.done(answer, action.proof);
  else if (answer) refused(action, answer);
  if (accessToken()) await refreshStatus();
  return answer;
}

/** Explains a refusal in words (a sign-out has said so already; a cancel needs no words). */
function refused(action, answer) {
  const code = answer.problem?.code;
  if (code === 'authentication_required') return;
  if (code === 'cancelled') {
    action.cancel?.();
    return say('');
  }
  const report = action.fail || fail;
  if (code === 'mfa_enrollment_required') report(`${problemText(answer)} Set up an authenticator app, add a passkey, or get codes by email or SMS.`);
  else report(problemText(answer));
}

// ---- the challenge box: the client's prompt ------------------------------------------------
/**
 * The `prompt` of @mfakit/client: opens the box for `action` (or shows, on a retry, why the last
 * answer failed) and resolves with the person's answer, or null when they cancel. A box still
 * waiting for another action is given up (that action is cancelled).
 */
function askInBox(action, challenge, context) {
  if (asking && asking.action !== action) asking.resolve(null);
  return new Promise((resolve) => {
    asking = { action, context, resolve };
    boxFactors = context.factors || status?.factors || [];
    boxOnce = challenge.once;
    const opening = boxAction !== action; // else a retry: the mode the person chose stays
    if (opening) {
      boxAction = action;
      action.slot().append($('stepup'));
    }
    setChallengeMode(opening ? defaultChallengeMode() : challengeMode);
    if (opening) action.asked?.(challenge);
    const { title, reason } = challengeWords(action, challenge);
    $('stepup-title').textContent = title;
    $('stepup-reason').textContent = reason;
    challengeError(context.error ? clientErrorText(context.error) : '');
    setBusy(false);
    say('');
    show('stepup', true);
    (challengeMode === 'passkey' ? $('stepup-passkey') : $('stepup-code')).focus();
  });
}

const boxHas = (...kinds) => boxFactors.some((f) => kinds.includes(f.kind));
const capitalised = (text) => `${text[0].toUpperCase()}${text.slice(1)}`;

/** The ways the person has to prove a factor, in a sentence: "Enter the code your app shows now or use your passkey". */
function waysText() {
  const found = [];
  if (boxHas('totp', 'hotp')) found.push('enter the code your authenticator app shows now');
  if (boxHas('webauthn')) found.push('use your passkey');
  if (boxHas('oob')) found.push('have a code sent by email or SMS');
  const listed = found.length > 1 ? `${found.slice(0, -1).join(', ')} or ${found[found.length - 1]}` : found[0] || 'enter one of your recovery codes';
  return `${capitalised(listed)}${found.length > 0 && !boxHas('totp', 'hotp') ? ' (or use a recovery code)' : ''}`;
}

/**
 * What the box says: what is being confirmed (a proof for this one request: `challenge.once`), or
 * why a proof is asked (one older than the route allows: `maxAge`; none at all), and the ways to give it.
 */
function challengeWords(action, challenge) {
  if (challenge.once) {
    return {
      title: `Confirm ${action.confirm || action.label.toLowerCase()}.`,
      reason: `It needs a proof made for this request alone, exactly as it is sent: the next one asks again. ${waysText()}.`,
    };
  }
  if (challenge.maxAge !== undefined) {
    const last = status?.session ? `Your last verification was at ${time(status.session.authTime)}. ` : '';
    return { title: `${action.label} needs a fresh proof (step-up).`, reason: `${action.staleText ? `${action.staleText} ` : said(challenge)}${last}${waysText()}, and it is tried again.` };
  }
  return {
    title: `${action.label} needs multi-factor authentication.`,
    reason: `${said(challenge)}You have no active MFA session: it was ended, it lapsed, or none was opened yet. ${waysText()}, and it is tried again.`,
  };
}

/** The server's own sentence for the challenge (RFC 9470 `error_description`), with a space after it, if it gave one. */
const said = (challenge) => (challenge.description ? `${challenge.description} ` : '');

/** An app code where the user has an app, else the passkey, else a code by email or SMS, else a recovery code. */
function defaultChallengeMode() {
  if (boxHas('totp', 'hotp')) return 'code';
  if (boxHas('webauthn')) return 'passkey';
  return boxHas('oob') ? 'oob' : 'recovery';
}

/** Gives the person's answer to the client, which checks it: the box waits, its buttons off, until the client asks again or the action ends. */
function answer(proof, value) {
  if (!asking) return;
  const { action, resolve } = asking;
  asking = null;
  action.proof = proof;
  setBusy(true);
  resolve(value);
}

/** Closes the box if it is open for `action` (any action, without one), giving up a prompt that still waits. */
function closeChallenge(action) {
  if (action && boxAction !== action) return;
  asking?.resolve(null);
  asking = null;
  boxAction = null;
  challengeSent = null;
  show('stepup', false);
  challengeError('');
  setBusy(false);
}

function challengeError(text) {
  $('stepup-error').textContent = text;
  $('stepup-error').hidden = !text;
}

/** While the client checks an answer, the box takes no other (a cancel too would come too late). */
function setBusy(busy) {
  for (const node of $('stepup').querySelectorAll('button, input')) node.disabled = busy;
}

function setChallengeMode(mode) {
  challengeMode = mode;
  if (mode !== 'oob') challengeSent = null;
  const recovery = mode === 'recovery';
  const withCode = boxHas('totp', 'hotp');
  const withPasskey = boxHas('webauthn');
  const withOob = boxHas('oob');
  show('stepup-form', mode === 'code' || recovery || (mode === 'oob' && Boolean(challengeSent)));
  $('stepup-label').textContent = recovery
    ? 'One of your recovery codes (each works once)'
    : mode === 'oob' && challengeSent
      ? `6-digit code sent to ${challengeSent.hint}`
      : '6-digit code from your authenticator app';
  $('stepup-code').inputMode = recovery ? 'text' : 'numeric';
  $('stepup-code').placeholder = recovery ? 'XXXX-XXXX-XXXX-XXXX' : '';
  $('stepup-code').classList.toggle('wide', recovery);
  $('stepup-code').value = '';
  $('stepup-submit').textContent = `${boxOnce ? 'Confirm' : 'Retry'} with this ${recovery ? 'recovery code' : 'code'}`;
  // The passkey button: the main way for a user without an app, an alternative otherwise.
  show('stepup-passkey', withPasskey);
  $('stepup-passkey').className = mode === 'passkey' ? '' : 'secondary';
  $('stepup-passkey').textContent = withCode ? 'Use a passkey instead' : 'Use your passkey';
  // "Send a code to a***@example.com": the main way in 'oob' mode, an alternative in the others.
  const sendButtons = recovery
    ? []
    : boxFactors
        .filter((f) => f.kind === 'oob')
        .map((factor) => {
          const again = challengeSent?.factorId === factor.id;
          return button(again ? `Send a new code to ${factor.hint}` : `Send a code to ${factor.hint}`, mode === 'oob' && !challengeSent ? '' : 'secondary', () => sendChallengeCode(factor));
        });
  $('stepup-oob').replaceChildren(...sendButtons);
  show('stepup-oob', sendButtons.length > 0);
  show('stepup-oob-sent', mode === 'oob' && Boolean(challengeSent));
  $('stepup-oob-sent').textContent = challengeSent ? `Sent at ${hourMinute(Date.now())}; it works until ${hourMinute(challengeSent.expiresAt)}, once. In this demo, find it in the Demo outbox.` : '';
  show('stepup-toggle', !recovery || withCode || withOob);
  $('stepup-toggle').textContent = recovery ? (withCode ? 'Use a code from the app instead' : withOob ? 'Use a code by email or SMS instead' : '') : 'Use a recovery code instead';
}

/** Sends a code to an email or SMS factor (the client's `sendCode`: POST /mfa/challenge); the box then asks for it. */
async function sendChallengeCode(factor) {
  if (!asking) return;
  try {
    challengeSent = await asking.context.sendCode(factor.id);
  } catch (err) {
    if (!(err instanceof MfaClient.MfaClientError)) throw err;
    return challengeError(clientErrorText(err));
  }
  challengeError('');
  setChallengeMode('oob');
  $('stepup-code').focus();
  await refreshPanels(); // the outbox shows the new code
}

$('stepup-toggle').addEventListener('click', () => {
  setChallengeMode(challengeMode === 'recovery' ? defaultChallengeMode() : 'recovery');
  challengeError('');
  (challengeMode === 'passkey' ? $('stepup-passkey') : $('stepup-code')).focus();
});

// The client then rejects with 'cancelled', and the action ends (see refused).
$('stepup-cancel').addEventListener('click', () => answer('', null));

$('stepup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const entered = $('stepup-code').value.trim();
  if (challengeMode === 'recovery') return answer('recovery code', { recoveryCode: entered });
  const code = entered.replace(/\s/g, '');
  if (challengeMode === 'oob' && challengeSent) return answer(`code by ${challengeSent.channel === 'sms' ? 'SMS' : 'email'}`, { code, factorId: challengeSent.factorId });
  answer('code', { code });
});

$('stepup-passkey').addEventListener('click', () => answer('passkey', { passkey: true }));

// ---- API calls -----------------------------------------------------------------------------
function showResult(label, answer) {
  const line = answer.status ? `${label}: HTTP ${answer.status} ${answer.statusText}`.trim() : `${label}: no answer`;
  $('result-summary').textContent = answer.ok ? line : `${line}. ${problemText(answer)}`;
  $('result').textContent = answer.data === null ? '' : JSON.stringify(answer.data, null, 2);
  $('result').hidden = answer.data === null;
  $('result').className = answer.ok ? 'ok' : 'bad';
}

function apiAction(label, method, path, body) {
  const action = {
    label,
    slot: () => $('api-challenge-slot'),
    async run() {
      const answer = await api(method, path, { body, action });
      showResult(label, answer);
      return answer;
    },
    /** The challenge, in the result box while the person answers it: what the server said first. */
    asked(challenge) {
      $('result-summary').textContent = `${label}: HTTP 401. ${challenge.description || ''} Waiting for your proof.`;
      $('result').textContent = JSON.stringify(challenge.problem ?? null, null, 2);
      $('result').hidden = !challenge.problem;
      $('result').className = 'bad';
    },
    done(_answer, proof) {
      say(proof ? `${capitalised(proof)} accepted: ${label} succeeded, and your MFA session was renewed.` : `${label} succeeded.`);
    },
  };
  return action;
}

$('call-profile').addEventListener('click', () => attempt(apiAction('GET /api/profile', 'GET', '/api/profile')));

$('transfer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(apiAction('POST /api/transfers', 'POST', '/api/transfers', { amount: Number($('amount').value), to: $('to').value.trim() }));
});

// ---- adding factors ------------------------------------------------------------------------
/** Registers a passkey: options (a fresh proof first if the user has a factor), the browser's prompt, the server's check. */
function addPasskeyAction(label) {
  const action = {
    label: 'Adding a passkey',
    slot: () => $('passkey-challenge-slot'),
    async run() {
      const options = await api('POST', '/mfa/webauthn/registration/options', { action });
      if (!options.ok) return options;
      const { response, error } = await passkeys.prompt('create', options.data);
      if (error) {
        passkeyError(error);
        return null;
      }
      return api('POST', '/mfa/webauthn/registration', { body: { response, label }, action });
    },
    fail: passkeyError,
    done(answer) {
      const { factor, session, recoveryCodes: codes } = answer.data;
      setSessionToken(session.sessionToken);
      passkeyError('');
      $('passkey-label').value = '';
      showRecoveryCodes(codes);
      say(`Passkey '${factor.label}' added, and you are verified with it.${codes ? ' Save your recovery codes now.' : ''}`);
    },
  };
  return action;
}

/** An error of adding a passkey, shown in the passkey card, where the person is looking. */
function passkeyError(text) {
  say('');
  $('passkey-error').textContent = text;
  $('passkey-error').hidden = !text;
}

$('passkey-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  passkeyError('');
  $('passkey-add').disabled = true;
  try {
    await attempt(addPasskeyAction($('passkey-label').value.trim()));
  } finally {
    $('passkey-add').disabled = false;
  }
});

/** Starts TOTP enrollment; next to a passkey it needs a fresh proof. */
// biome-ignore lint/correctness/noUnusedVariables: read by app.js: classic scripts share the page's global scope
const enrollTotpAction = {
  label: 'Setting up an authenticator app',
  slot: () => $('factors-challenge-slot'),
  run: () => api('POST', '/mfa/totp', { action: enrollTotpAction }),
  done: (answer) => showEnrollment(answer.data),
};

// ---- the factor list and removal -----------------------------------------------------------
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, onClick) {
  const node = element('button', className, text);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

function removeAction(factor) {
  const action = {
    label: `Removing ${factorName(factor)}`,
    // Inside the factor's "Remove it?" box, while the list shows it.
    slot: () => $('factor-list').querySelector(`li[data-factor-id="${CSS.escape(factor.id)}"] .confirm`) || $('factors-challenge-slot'),
    run: () => api('DELETE', `/mfa/factors/${encodeURIComponent(factor.id)}`, { action }),
    done() {
      removing = null;
      say(`Removed ${factorName(factor)}. It can no longer be used to verify.`);
    },
    cancel() {
      removing = null;
      renderFactors();
    },
  };
  return action;
}

/** What removing a factor means, in a sentence or two. */
function removalNote(factor, only) {
  const notes = [only ? 'It is your only factor: you will have to set up a new one before you can use protected routes again.' : 'You will no longer be able to verify with it.'];
  if (factor.kind === 'webauthn') notes.push('The passkey stays on your device until you delete it there too.');
  if (factor.kind === 'oob') notes.push(`No more codes will be sent to ${factor.hint}.`);
  return notes.join(' ');
}

function factorItem(factor) {
  const item = element('li', 'factor');
  item.dataset.factorId = factor.id;
  const kind = element('span', `kind kind-${kindKey(factor)}`, kindOf(factor).name);
  const title = element('span');
  title.append(element('span', 'factor-label', factor.label));
  if (status.session?.factorId === factor.id) title.append(element('span', 'in-use', 'current MFA session'));
  const about = element('span', 'about');
  const sentTo = factor.kind === 'oob' ? `Codes go to ${factor.hint}. ` : '';
  about.append(title, element('span', 'muted', `${sentTo}Added ${dateTime(factor.createdAt)}`));
  const remove = button('Remove', 'secondary small', () => {
    removing = factor.id;
    renderFactors();
  });
  remove.setAttribute('aria-label', `Remove ${factorName(factor)}`);
  remove.hidden = removing === factor.id;
  item.append(kind, about, remove);
  if (removing === factor.id) {
    const only = status.factors.length === 1;
    const box = element('div', 'confirm');
    // The last factor of an account that must use MFA stays (the API answers 409 last_factor).
    const kept = only && status.required;
    box.append(
      element(
        'p',
        '',
        kept
          ? `This is your only factor (${factorName(factor)}), and this account must use MFA: set up another one first, then remove this one.`
          : `Remove ${factorName(factor)}? ${removalNote(factor, only)}`,
      ),
      ...(kept ? [] : [button('Remove it', 'danger small', () => attempt(removeAction(factor)))]),
      button(kept ? 'OK' : 'Keep it', 'secondary small', () => {
        removing = null;
        closeChallenge();
        renderFactors();
      }),
    );
    item.append(box);
  }
  return item;
}

/** Lists the user's factors: kind, label, when added, which one the session came from, Remove. */
function renderFactors() {
  const factors = status && !status.exempt ? status.factors : [];
  if (removing && !factors.some((f) => f.id === removing)) removing = null;
  show('factors-block', factors.length > 0);
  // The challenge box may sit inside the list: park it while the list is rebuilt, then put it back
  // (with the focus it had: moving an element drops it).
  const box = $('stepup');
  const focused = box.contains(document.activeElement) ? document.activeElement : null;
  if ($('factor-list').contains(box)) $('factors-challenge-slot').append(box);
  $('factor-list').replaceChildren(...factors.map(factorItem));
  if (boxAction) boxAction.slot().append(box);
  if (focused && box.contains(focused)) focused.focus();
}

// ---- start ---------------------------------------------------------------------------------
// After every deferred script has run, so that the panels of oob.js, inbox.js and admin.js are in.
document.addEventListener('DOMContentLoaded', () => {
  if (accessToken()) refreshStatus();
});
