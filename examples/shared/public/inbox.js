// What the demo would have delivered to the signed-in user, shown on the page: the Demo outbox
// (GET /api/outbox: the codes a real application would email or text) and the Notifications
// (GET /api/notifications: what changed in the account's security). Both are fetched again after
// every action. Loaded after actions.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

(() => {
  const PURPOSES = { enrollment: 'to confirm a new email address or phone number', verification: 'to verify it is you' };

  /** What a user is told, in words; `kind` names the factor kind ('oob' for email or SMS, with its `channel`). */
  const KIND_ADDED = {
    totp: 'An authenticator app',
    hotp: 'A hardware token',
    webauthn: 'A passkey',
    oob: 'Codes by email or SMS',
    email: 'Codes by email',
    sms: 'Codes by SMS',
  };
  function noticeText(notice) {
    const what = KIND_ADDED[notice.channel || notice.kind] || 'A factor';
    const plural = notice.kind === 'oob';
    switch (notice.type) {
      case 'factor.added':
        return `${what} ${plural ? 'were' : 'was'} added to your account.`;
      case 'factor.removed':
        return `${what} ${plural ? 'were' : 'was'} removed from your account.`;
      case 'factors.revoked':
        if (notice.count === 0) return 'An administrator reset your MFA and ended your MFA sessions (you had no factors).';
        return `An administrator removed all your factors (${notice.count}) and ended your MFA sessions: set up a new one to continue.`;
      case 'recovery.used':
        return `A recovery code was used: ${notice.remaining} left.${notice.remaining <= 3 ? ' Make a new set soon.' : ''}`;
      case 'recovery.regenerated':
        return `A new set of ${notice.count} recovery codes was made: any earlier set no longer works.`;
      case 'account.locked':
        return `Your account was locked until ${when(notice.until)} after too many wrong codes.`;
      case 'failures.mounting':
        return `${notice.count} wrong codes were entered in a row for your account. If that was not you, someone may be guessing: codes stop working after ${notice.limit}.`;
      case 'codes.disabled':
        return 'Codes no longer work after too many wrong ones in a row: sign in with a recovery code or a passkey, or ask an administrator.';
      case 'exemption.granted':
        return `An administrator exempted your account from MFA until ${when(notice.expiresAt)}.`;
      default:
        return `Something changed in your account (${notice.type}).`;
    }
  }

  /** A notice worth a second look (a code used, a lock, everything revoked) is marked as such. */
  const ALERTS = new Set(['factors.revoked', 'recovery.used', 'recovery.regenerated', 'account.locked', 'failures.mounting', 'codes.disabled', 'exemption.granted', 'factor.removed']);

  function noticeItem(notice) {
    const item = element('li', ALERTS.has(notice.type) ? 'message alert' : 'message');
    item.dataset.type = notice.type;
    item.append(element('span', 'text', noticeText(notice)), element('time', 'muted', when(notice.at)));
    item.lastChild.dateTime = new Date(notice.at).toISOString();
    return item;
  }

  /** A message as the person would have received it: where to, when, why, and the code, large. */
  function messageItem(message, newest) {
    const item = element('li', 'message');
    item.dataset.channel = message.channel;
    const head = element('p', 'head');
    head.append(element('span', `kind kind-${message.channel}`, message.channel === 'sms' ? 'SMS' : 'Email'), element('span', 'to', `to ${message.to}`), element('time', 'muted', when(message.at)));
    head.lastChild.dateTime = new Date(message.at).toISOString();
    if (newest) head.append(element('span', 'in-use', 'newest'));
    const body = element('p', 'body');
    const line = element('span', 'code-line');
    line.append(element('code', 'otp', message.code));
    body.append(element('span', 'muted', `Your mfakit demo code ${PURPOSES[message.purpose] || ''}:`), line);
    const copy = button('Copy', 'secondary small', async () => {
      try {
        await navigator.clipboard.writeText(message.code);
        copy.textContent = 'Copied';
      } catch {
        copy.textContent = 'Select and copy it';
      }
      setTimeout(() => (copy.textContent = 'Copy'), 2000);
    });
    copy.setAttribute('aria-label', `Copy the code ${message.code}`);
    line.append(copy);
    item.append(head, body);
    return item;
  }

  /** Fills a list from a GET; hides its card when the server has no such route. */
  async function load(section, path, key, list, empty, itemOf) {
    const answer = await api('GET', path);
    if (!accessToken()) return;
    if (!answer.ok) {
      show(section, false);
      return;
    }
    const entries = Array.isArray(answer.data?.[key]) ? answer.data[key] : [];
    $(list).replaceChildren(...entries.map(itemOf));
    show(empty, entries.length === 0);
    show(section, visible);
  }

  let visible = false;
  const refreshOutbox = () => load('outbox-section', '/api/outbox', 'messages', 'outbox-list', 'outbox-empty', (m, i) => messageItem(m, i === 0));
  const refreshNotices = () => load('notices-section', '/api/notifications', 'notices', 'notices-list', 'notices-empty', noticeItem);

  $('outbox-refresh').addEventListener('click', () => refreshOutbox());
  $('notices-refresh').addEventListener('click', () => refreshNotices());

  panels.push({
    render(s) {
      // A service account has no factor of its own to be told about or sent codes for.
      visible = !isServiceAccount(s);
      if (!visible) for (const id of ['outbox-section', 'notices-section']) show(id, false);
    },
    refresh: () => Promise.all([refreshOutbox(), refreshNotices()]),
    reset() {
      visible = false;
      for (const id of ['outbox-section', 'notices-section']) show(id, false);
      for (const id of ['outbox-list', 'notices-list']) $(id).replaceChildren();
    },
  });
})();
