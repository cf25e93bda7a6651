// Codes by email or SMS on the demo page: enrolling an address or a phone number (the server
// sends a code, the person types it back), and verifying with a code sent on request. The demo
// sends nothing for real: the codes appear in the Demo outbox (inbox.js). Loaded after actions.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

(() => {
  const CHANNELS = {
    email: { field: 'email', by: 'email', input: 'email-address' },
    sms: { field: 'phone', by: 'SMS', input: 'sms-phone' },
  };
  let pendingOob = null; // { factorId, channel, hint, expiresAt } while an enrollment waits for its code
  const sent = new Map(); // factorId -> { at, expiresAt }: the codes sent for verification on this page

  /** An error of enrolling, shown in the card, where the person is looking. */
  function oobError(text) {
    if (text) say('');
    $('oob-error').textContent = text;
    $('oob-error').hidden = !text;
  }

  /** Starts enrolling an email address or a phone number; next to another factor it needs a fresh proof. */
  function enrollAction(channel, destination) {
    const { field, by } = CHANNELS[channel];
    const action = {
      label: `Getting codes by ${by}`,
      slot: () => $('oob-challenge-slot'),
      run: () => api('POST', `/mfa/${channel}`, { body: { [field]: destination }, action }),
      fail: oobError,
      async done(answer) {
        const { factorId, hint, expiresAt } = answer.data;
        pendingOob = { factorId, channel, hint, expiresAt };
        $(CHANNELS[channel].input).value = '';
        $('oob-confirm-code').value = '';
        oobError('');
        say(`A code is on its way to ${hint}.`);
        await refreshPanels();
      },
    };
    return action;
  }

  function stopEnrolling() {
    pendingOob = null;
    $('oob-confirm-code').value = '';
  }

  for (const channel of Object.keys(CHANNELS)) {
    $(`${channel}-form`).addEventListener('submit', async (event) => {
      event.preventDefault();
      oobError('');
      const submit = event.target.querySelector('button[type="submit"]');
      submit.disabled = true;
      try {
        await attempt(enrollAction(channel, $(CHANNELS[channel].input).value.trim()));
      } finally {
        submit.disabled = false;
      }
      if (pendingOob) $('oob-confirm-code').focus();
    });
  }

  $('oob-confirm-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const { factorId, channel, hint } = pendingOob;
    const code = $('oob-confirm-code').value.replace(/\s/g, '');
    const answer = await api('POST', `/mfa/${channel}/${encodeURIComponent(factorId)}/confirm`, { body: { code } });
    if (!answer.ok) {
      if (answer.problem?.code === 'enrollment_not_found') stopEnrolling(); // lapsed: start again
      oobError(problemText(answer));
      $('oob-confirm-code').select();
      if (!pendingOob) renderStatus();
      return;
    }
    stopEnrolling();
    oobError('');
    setSessionToken(answer.data.session.sessionToken);
    showRecoveryCodes(answer.data.recoveryCodes);
    say(`Codes by ${CHANNELS[channel].by} to ${hint} are set up, and you are verified.${answer.data.recoveryCodes ? ' Save your recovery codes now.' : ''}`);
    await refreshStatus();
  });

  $('oob-cancel').addEventListener('click', () => {
    stopEnrolling();
    oobError('');
    say('');
    renderStatus();
  });

  // ---- verifying with a code sent on request -------------------------------------------------
  async function sendCode(factor, item) {
    const answer = await api('POST', '/mfa/challenge', { body: { factorId: factor.id } });
    if (!answer.ok) return fail(problemText(answer));
    sent.set(factor.id, { at: Date.now(), expiresAt: answer.data.expiresAt });
    say(`A code is on its way to ${factor.hint}.`);
    renderVerify();
    item.querySelector('input').focus();
    await refreshPanels();
  }

  /** One email or SMS factor in the verify box: "Send me a code", then the code field. */
  function verifyItem(factor) {
    const item = element('div', 'oob-item');
    item.dataset.factorId = factor.id;
    const to = element('p', 'oob-to');
    to.append(element('span', `kind kind-${kindKey(factor)}`, kindOf(factor).name), element('strong', '', factor.hint));
    const send = button('Send me a code', '', () => sendCode(factor, item));
    send.className = 'send';
    send.setAttribute('aria-label', `Send me a code at ${factor.hint}`);
    const form = element('form', 'field');
    const id = `verify-oob-${factor.id}`;
    const label = element('label', '', `6-digit code sent to ${factor.hint}`);
    label.htmlFor = id;
    const input = element('input', 'code');
    Object.assign(input, { id, inputMode: 'numeric', autocomplete: 'one-time-code', maxLength: 9, required: true });
    const submit = element('button', '', 'Verify with this code');
    submit.type = 'submit';
    const row = element('div', 'row');
    row.append(input, submit);
    form.append(label, row);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ok = await verify({ factorId: factor.id, code: input.value.replace(/\s/g, '') }, `Verified with a code sent to ${factor.hint}.`);
      if (ok) {
        sent.delete(factor.id);
        input.value = '';
      }
    });
    item.append(to, form, element('p', 'muted note'), send); // once a code is sent, "Send a new code" comes last
    return item;
  }

  /** Keeps one item per email or SMS factor in the verify box (reusing them, so typed codes stay). */
  function renderVerify() {
    const box = $('verify-oob');
    const factors = oobFactors();
    const items = factors.map((factor) => box.querySelector(`[data-factor-id="${CSS.escape(factor.id)}"]`) || verifyItem(factor));
    factors.forEach((factor, i) => {
      const item = items[i];
      const code = sent.get(factor.id);
      const send = item.querySelector('button.send');
      send.textContent = code ? 'Send a new code' : 'Send me a code';
      send.className = code ? 'send secondary small' : 'send';
      item.querySelector('form').hidden = !code;
      item.querySelector('.note').textContent = code ? `Sent at ${hourMinute(code.at)}; it works once, until ${hourMinute(code.expiresAt)}. In this demo, find it in the Demo outbox below.` : '';
    });
    box.replaceChildren(...items);
    const others = hasKind('totp', 'hotp', 'webauthn');
    box.classList.toggle('with-others', others && factors.length > 0);
  }

  panels.push({
    render(s) {
      const service = isServiceAccount(s);
      const busy = Boolean(enrollment) || recoveryCodes.length > 0; // the app's setup or the codes to save take the page
      show('oob-section', !service && !busy);
      show('oob-start', !pendingOob);
      show('oob-confirm', Boolean(pendingOob));
      if (pendingOob) {
        const { channel, hint, expiresAt } = pendingOob;
        $('oob-sent').textContent = `We sent a 6-digit code by ${CHANNELS[channel].by} to ${hint}. It works until ${hourMinute(expiresAt)}. In this demo, find it in the Demo outbox below.`;
        $('oob-confirm-label').textContent = `The code sent to ${hint}`;
      }
      for (const id of sent.keys()) if (!s.factors.some((f) => f.id === id)) sent.delete(id);
      renderVerify();
    },
    reset() {
      stopEnrolling();
      sent.clear();
      oobError('');
      $('verify-oob').replaceChildren();
      show('oob-section', false);
    },
  });
})();
