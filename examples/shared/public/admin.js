// The administrators' panel, shown when GET /api/me says the user has the role 'admin': the
// report of every user (GET /mfa/admin/report), exempting a user for a while, lifting an
// exemption, and revoking all of a user's factors (a lost phone). Every admin route needs a
// proof of the administrator's own from the last 5 minutes: @mfakit/client asks for it in the
// challenge box, in the panel (actions.js), and sends the call again once it is given. Loaded
// after actions.js.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic <script> (index.html loads it without type="module"), so this directive is what makes it strict
'use strict';

(() => {
  const STALE = 'Prove a factor again first (your last proof is older than 5 minutes).';
  const DAY_MS = 24 * 60 * 60 * 1000;
  let me = null; // GET /api/me: { id, roles }
  let report = null; // the last GET /mfa/admin/report
  let loaded = false; // the report was asked for once since sign-in
  let revoking = null; // the user whose revocation waits for "Revoke"

  const isAdmin = () => Boolean(me && Array.isArray(me.roles) && me.roles.includes('admin'));

  function adminError(text) {
    if (text) say('');
    $('admin-error').textContent = text;
    $('admin-error').hidden = !text;
  }

  /**
   * An admin action: its challenge box opens in the panel, its problems are told in the panel.
   * `done(answer)` shows the outcome and returns what to say, if anything.
   */
  function adminAction(label, method, path, body, done) {
    const action = {
      label,
      staleText: STALE,
      slot: () => $('admin-challenge-slot'),
      run: () => api(method, path, { body, action }),
      fail: adminError,
      async done(answer, how) {
        adminError('');
        const message = await done(answer);
        const proof = how ? `${how[0].toUpperCase()}${how.slice(1)} accepted, and your MFA session was renewed. ` : '';
        if (message || proof) say(`${proof}${message || 'The report is up to date.'}`);
      },
    };
    return action;
  }

  const userPath = (userId) => `/mfa/admin/users/${encodeURIComponent(userId)}`;

  const reportAction = adminAction('Showing the MFA report', 'GET', '/mfa/admin/report', undefined, (answer) => {
    report = answer.data;
    renderReport();
  });

  /** Runs an admin change, then shows the report again (the proof just made is still fresh). */
  async function change(label, method, path, body, message) {
    await attempt(
      adminAction(label, method, path, body, async (answer) => {
        revoking = null;
        await attempt(reportAction);
        return message(answer.data);
      }),
    );
  }

  function exempt(userId, reason, expiresAt) {
    const until = dateTime(Date.parse(expiresAt));
    return change(`Exempting ${userId}`, 'PUT', `${userPath(userId)}/exemption`, { reason, expiresAt }, () => `${userId} is exempt from MFA until ${until}.`);
  }
  const lift = (userId) => change(`Lifting the exemption of ${userId}`, 'DELETE', `${userPath(userId)}/exemption`, undefined, () => `${userId} is no longer exempt: MFA applies again.`);
  const revoke = (userId) =>
    change(`Revoking the factors of ${userId}`, 'DELETE', `${userPath(userId)}/factors`, undefined, (data) => {
      const n = data?.factorsRemoved ?? 0;
      return `Removed ${n} ${n === 1 ? 'factor' : 'factors'} of ${userId}, with the recovery codes, and ended the MFA sessions. ${userId} must set up a factor again.`;
    });

  // ---- the report ----------------------------------------------------------------------------
  /** "Authenticator app", "Email a***@example.com", "Passkey 'MacBook Touch ID'". */
  function factorText(factor) {
    const { name } = kindOf(factor);
    if (factor.kind === 'oob') return `${name} ${factor.hint}`;
    return factor.label.toLowerCase() === name.toLowerCase() ? name : `${name} '${factor.label}'`;
  }

  /**
   * A cell of the report: its content in one element, and its column's name in `data-label`, which
   * a narrow screen shows next to it when the table stacks into one block per user.
   */
  function cell(label, className, ...content) {
    const td = element('td', className);
    if (label) td.dataset.label = label;
    const value = element('div', 'value');
    value.append(...content);
    td.append(value);
    return td;
  }

  function exemptCell(row) {
    if (row.exemption) {
      return cell('Exempt until', '', element('span', 'until', dateTime(row.exemption.expiresAt)), element('span', 'muted reason', `"${row.exemption.reason}" (by ${row.exemption.grantedBy})`));
    }
    return cell('Exempt until', row.exempt ? '' : 'muted', row.exempt ? 'Always (service account)' : 'No');
  }

  function factorsCell(row) {
    if (row.factors.length === 0) return cell('Factors', 'muted', 'None');
    const list = element('ul', 'plain');
    list.append(...row.factors.map((f) => element('li', '', factorText(f))));
    return cell('Factors', '', list);
  }

  function actionsCell(row) {
    const td = element('td', 'actions-cell');
    const box = element('div', 'row-actions');
    td.append(box);
    if (row.exemption) box.append(button('Lift exemption', 'secondary small', () => lift(row.userId)));
    if (row.factors.length > 0 && revoking !== row.userId) {
      const revokeButton = button('Revoke factors', 'secondary small', () => {
        revoking = row.userId;
        renderReport();
      });
      revokeButton.setAttribute('aria-label', `Revoke the factors of ${row.userId}`);
      box.append(revokeButton);
    }
    return td;
  }

  /** The confirm step of a revocation, in a row of its own under the user's. */
  function confirmRow(row) {
    const tr = element('tr', 'confirm-row');
    const td = element('td');
    td.colSpan = 7;
    const box = element('div', 'confirm');
    const n = row.factors.length;
    box.append(
      element(
        'p',
        '',
        `${n === 1 ? `Revoke the only factor of ${row.userId}?` : `Revoke all ${n} factors of ${row.userId}?`} The recovery codes go too, and every MFA session of ${row.userId} ends, on every device. ${row.userId} will have to set up a factor again. (For a lost or stolen phone.)`,
      ),
      button(`Revoke ${row.userId}'s factors`, 'danger small', () => revoke(row.userId)),
      button('Keep them', 'secondary small', () => {
        revoking = null;
        renderReport();
      }),
    );
    td.append(box);
    tr.append(td);
    return tr;
  }

  function reportRow(row) {
    const tr = element('tr');
    tr.dataset.userId = row.userId;
    const you = me && row.userId === me.id ? [element('span', 'muted', ' (you)')] : [];
    const missing = row.required && !row.enrolled && !row.exempt;
    tr.append(
      cell('', 'user', element('strong', '', row.userId), ...you),
      cell('Required', '', row.required ? 'Yes' : 'No'),
      cell('Enrolled', missing ? 'bad' : '', row.enrolled ? 'Yes' : missing ? 'No: missing' : 'No'),
      exemptCell(row),
      factorsCell(row),
      cell('Last verified', row.lastVerifiedAt ? '' : 'muted', row.lastVerifiedAt ? when(row.lastVerifiedAt) : 'Never'),
      actionsCell(row),
    );
    return revoking === row.userId ? [tr, confirmRow(row)] : [tr];
  }

  function renderTotals(totals) {
    const tiles = [
      ['Users', totals.users],
      ['MFA required', totals.required],
      ['Enrolled', totals.enrolled],
      ['Exempt', totals.exempt],
      ['Missing a factor', totals.missing],
    ];
    $('admin-totals').replaceChildren(
      ...tiles.map(([term, value]) => {
        const tile = element('div', term === 'Missing a factor' && value > 0 ? 'tile bad' : 'tile');
        tile.append(element('dt', '', term), element('dd', '', String(value)));
        return tile;
      }),
    );
  }

  function renderReport() {
    show('admin-report', Boolean(report));
    let hint = '';
    if (!report && status && !status.enrolled) hint = 'Set up a factor of your own first: administration needs a proof with a second factor.';
    else if (!report && status && !status.session) hint = 'Verify it is you first (below), and the report shows here.';
    $('admin-hint').textContent = hint;
    show('admin-hint', Boolean(hint));
    if (!report) return;
    if (revoking && !report.users.some((u) => u.userId === revoking && u.factors.length > 0)) revoking = null;
    renderTotals(report.totals);
    $('admin-table').tBodies[0].replaceChildren(...report.users.flatMap(reportRow));
    // The users who can be exempted: everyone but the service accounts, who always are.
    const select = $('exempt-user');
    const chosen = select.value;
    const people = report.users.filter((u) => u.required || u.exemption);
    select.replaceChildren(...people.map((u) => Object.assign(element('option', '', u.userId), { value: u.userId })));
    if (people.some((u) => u.userId === chosen)) select.value = chosen;
  }

  // ---- the exemption form --------------------------------------------------------------------
  /** yyyy-mm-dd of the local day `days` from today, for a date input. */
  function dayFromToday(days) {
    const d = new Date(Date.now() + days * DAY_MS);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }

  function resetForm() {
    $('exempt-reason').value = '';
    $('exempt-until').min = dayFromToday(1);
    $('exempt-until').max = dayFromToday(365);
    $('exempt-until').value = dayFromToday(7);
  }

  $('exempt-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const [y, m, d] = $('exempt-until').value.split('-').map(Number);
    const expiresAt = new Date(y, m - 1, d).toISOString(); // 00:00 that day, the administrator's time
    await exempt($('exempt-user').value, $('exempt-reason').value.trim(), expiresAt);
    if ($('admin-error').hidden && $('stepup').hidden) resetForm();
  });

  $('admin-refresh').addEventListener('click', () => attempt(reportAction));

  panels.push({
    render() {
      show('admin-section', isAdmin() && recoveryCodes.length === 0);
      renderReport();
    },
    async refresh() {
      if (!me) {
        const answer = await api('GET', '/api/me');
        if (!answer.ok || !accessToken()) return;
        me = answer.data;
        resetForm();
      }
      show('admin-section', isAdmin() && recoveryCodes.length === 0);
      renderReport();
      // Shown at once when the administrator has a session; without one, the verify box comes first.
      if (isAdmin() && !loaded && status?.session) {
        loaded = true;
        await attempt(reportAction);
      }
    },
    reset() {
      me = null;
      report = null;
      loaded = false;
      revoking = null;
      adminError('');
      show('admin-section', false);
      show('admin-report', false);
    },
  });
})();
