// Payees on the demo page. Adding one (POST /api/payees) needs a proof made for that very
// request: the server answers a challenge with max_age=0, and @mfakit/client, once the person has
// given a code or a passkey in the challenge box (actions.js), gets a step-up grant bound to the
// exact body it sends (name and account) and sends it again with the grant, which the server
// spends. The next payee asks again. The card lists the payees added in this tab since sign-in.
// Loaded after actions.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

(() => {
  let added = []; // the payees added since sign-in, newest first

  /** An error of adding a payee, shown in the card, where the person is looking. */
  function payeeError(text) {
    if (text) say('');
    $('payee-error').textContent = text;
    $('payee-error').hidden = !text;
  }

  /** Adds a payee; the challenge box, in the card, says which one it confirms. */
  function addPayeeAction(name, account) {
    const action = {
      label: `Adding payee ${name}`,
      confirm: `adding payee ${name} (${account})`,
      slot: () => $('payee-challenge-slot'),
      run: () => api('POST', '/api/payees', { body: { name, account }, action }),
      fail: (text) => payeeError(`Payee ${name} was not added. ${text}`),
      done(answer, proof) {
        const { payee } = answer.data;
        added = [payee, ...added];
        $('payee-name').value = '';
        $('payee-account').value = '';
        payeeError('');
        renderPayees();
        const what = `payee ${payee.name} (${payee.account}) added.`;
        say(proof ? `${capitalised(proof)} accepted: ${what} That proof was for this payee alone: the next one asks again.` : capitalised(what));
      },
    };
    return action;
  }

  function payeeItem(payee) {
    const item = element('li', 'payee');
    item.dataset.payeeId = payee.id;
    const about = element('span', 'about');
    about.append(element('strong', '', payee.name), element('code', 'account', payee.account));
    item.append(about, element('span', 'muted', `Added ${when(Date.parse(payee.createdAt))}`));
    return item;
  }

  function renderPayees() {
    $('payee-list').replaceChildren(...added.map(payeeItem));
    show('payee-empty', added.length === 0);
  }

  $('payee-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    payeeError('');
    $('payee-add').disabled = true;
    try {
      await attempt(addPayeeAction($('payee-name').value.trim(), $('payee-account').value.trim()));
    } finally {
      $('payee-add').disabled = false;
    }
  });

  panels.push({
    render() {
      show('payees-section', recoveryCodes.length === 0);
      renderPayees();
    },
    reset() {
      added = [];
      payeeError('');
      renderPayees();
      show('payees-section', false);
    },
  });
})();
