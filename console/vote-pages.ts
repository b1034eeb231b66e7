// The console's "During the vote" page: live turnout by ward, channel and hour, each gateway's
// health, and the cycle's results with the admin's publish form. Plain HTML as console/pages.ts
// (no script; <meter> draws the bars, as inline styles are not allowed by the CSP).
import type { Cycle } from '../src/config/schema.ts';
import { formatDate, formatDateTime } from '../src/domain/format.ts';
import { can } from './accounts.ts';
import { CONSOLE_LABELS, labelsFor, type LabelKey } from './labels.ts';
import { esc, framed, hidden, pick, type Frame } from './pages.ts';
import type { PublishRefusal } from './publish.ts';
import type { LiveTurnout, Refusal } from './turnout.ts';
import type { GatewayView } from '../ledger/ledger.ts';
import type { BehindGateway } from '../ledger/publication.ts';

/** What the page shows of the chosen cycle's publication. */
export interface PublicationView {
  publishedAt: string | null;
  forcedReason?: string;
  /** Gateways not yet delivered everything since voting closed (empty before it closes). */
  behind: BehindGateway[];
}

export interface VotePageInput {
  cycle: Cycle;
  turnout: LiveTurnout;
  /** When the counts were read (they may be up to a few seconds old). */
  countedAt: Date;
  gateways: (GatewayView & { refusals: Refusal[] })[];
  publication: PublicationView;
  /** A refused publish form: the reason and the values sent. */
  refused?: { code: PublishRefusal; detail: string; force: boolean; reason: string };
}

const meter = (n: number, max: number) => `<meter min="0" max="${Math.max(max, 1)}" value="${n}"></meter>`;

/** "During the vote" for one cycle. */
export function votePage(f: Frame, input: VotePageInput): string {
  const t = labelsFor(f.lang);
  const when = (iso: string | Date) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
  const { cycle, turnout } = input;
  const cycles = f.d.cycles.map((c) => `<option value="${esc(c.id)}"${c.id === cycle.id ? ' selected' : ''}>${esc(pick(c.name, f.lang))}</option>`).join('');
  const chooser = `<form method="get" action="/console/vote" class="filters"><div><label for="f-cycle">${esc(t('cycle'))}</label><select id="f-cycle" name="cycle">${cycles}</select></div><div><button type="submit">${esc(t('filter'))}</button></div></form>`;

  const table = (head: string, rows: [string, number][]) => {
    const max = Math.max(0, ...rows.map(([, n]) => n));
    return `<table><thead><tr><th>${esc(head)}</th><th>${esc(t('ballots'))}</th><th></th></tr></thead><tbody>${rows.map(([k, n]) => `<tr><td>${esc(k)}</td><td>${n}</td><td>${meter(n, max)}</td></tr>`).join('')}</tbody></table>`;
  };
  const wardName = (id: string) => pick(f.d.wards.find((w) => w.id === id)?.name ?? { en: id }, f.lang);
  const channelName = (c: string) => {
    const key = `channel.${c}` as LabelKey;
    return key in CONSOLE_LABELS.en ? t(key) : c;
  };
  const parts = [chooser, `<p class="note">${esc(t('turnoutNote', { total: turnout.total, time: when(input.countedAt) }))}</p>`];
  parts.push(
    `<h2>${esc(t('byWard'))}</h2>${table(
      t('ward'),
      Object.entries(turnout.byWard).map(([w, n]) => [wardName(w), n]),
    )}`,
  );
  parts.push(
    `<h2>${esc(t('byChannel'))}</h2>${
      Object.keys(turnout.byChannel).length
        ? table(
            t('channel'),
            Object.entries(turnout.byChannel).map(([c, n]) => [channelName(c), n]),
          )
        : `<p>${esc(t('noBallots'))}</p>`
    }`,
  );
  parts.push(
    `<h2>${esc(t('byHour'))}</h2>${
      turnout.byHour.length
        ? table(
            t('hour'),
            turnout.byHour.map(({ hour, ballots }) => [when(`${hour}:00:00Z`), ballots]),
          )
        : `<p>${esc(t('noBallots'))}</p>`
    }`,
  );

  const gatewayRows = input.gateways
    .map((g) => {
      const skew = g.clockSkewMs === null ? '—' : t('seconds', { n: Math.round(g.clockSkewMs / 1000) });
      const refusals = g.refusals
        .map((r) => `<br><span class="note">${esc(when(r.receivedAt))}: ${esc(r.reason)} — ${esc(r.detail.slice(0, 200))}</span>`)
        .join('');
      return `<tr><td>${esc(g.gatewayId)}${g.label && g.label !== g.gatewayId ? `<br><span class="note">${esc(g.label)}</span>` : ''}</td><td>${esc(g.lastSeenAt ? when(g.lastSeenAt) : t('never'))}</td><td>${g.backlog ?? '—'}</td><td>${esc(skew)}</td><td>${g.accepted}</td><td>${g.rejected}${refusals}</td></tr>`;
    })
    .join('');
  parts.push(
    `<h2>${esc(t('gateways'))}</h2>${
      input.gateways.length
        ? `<table class="list"><thead><tr><th>${esc(t('gateway'))}</th><th>${esc(t('lastContact'))}</th><th>${esc(t('backlog'))}</th><th>${esc(t('clockSkew'))}</th><th>${esc(t('acceptedEvents'))}</th><th>${esc(t('refusedEvents'))}</th></tr></thead><tbody>${gatewayRows}</tbody></table>`
        : `<p>${esc(t('noGateways'))}</p>`
    }`,
  );
  parts.push(resultsSection(f, input));
  parts.push(projectsSection(f, cycle));
  return framed(f, t('duringVote'), parts.join('\n'));
}

/** The cycle's ballot projects by ward, each with the projects it cannot be funded with (its exclusive groups). */
function projectsSection(f: Frame, cycle: Cycle): string {
  const t = labelsFor(f.lang);
  if (cycle.projects.length === 0) return '';
  const mates = (code: number) => [...new Set(cycle.exclusive.filter((g) => g.includes(code)).flat())].filter((c) => c !== code).sort((a, b) => a - b);
  const wardName = (id: string) => pick(f.d.wards.find((w) => w.id === id)?.name ?? { en: id }, f.lang);
  const rows = [...cycle.projects]
    .sort((a, b) => a.ward.localeCompare(b.ward) || a.code - b.code)
    .map(
      (p) =>
        `<tr><td>${p.code}</td><td>${esc(pick(p.title, f.lang))}</td><td>${esc(wardName(p.ward))}</td><td>${esc(`${f.d.deployment.currency} ${p.cost}`)}</td><td>${esc(mates(p.code).join(', ') || '—')}</td></tr>`,
    )
    .join('');
  const groups = cycle.exclusive.length
    ? `<p class="note">${esc(t('exclusiveGroups', { groups: cycle.exclusive.map((g) => g.join(' · ')).join('; ') }))}</p>`
    : '';
  return `<h2 id="projects">${esc(t('ballotProjects'))}</h2><p class="note">${esc(t('exclusiveNote'))}</p>${groups}<table class="list"><thead><tr><th>${esc(t('code'))}</th><th>${esc(t('title'))}</th><th>${esc(t('ward'))}</th><th>${esc(t('cost', { currency: f.d.deployment.currency }))}</th><th>${esc(t('exclusiveWith'))}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The cycle's results: published (when, forced why), or what stands in the way, and the admin's form. */
function resultsSection(f: Frame, input: VotePageInput): string {
  const t = labelsFor(f.lang);
  const when = (iso: string | Date) => formatDateTime(new Date(iso), f.lang, f.d.deployment.timezone);
  const { cycle, publication } = input;
  const out = [`<h2 id="results">${esc(t('results'))}</h2>`];
  if (publication.publishedAt) {
    out.push(
      `<p class="ok">${esc(t('publishedOn', { date: when(publication.publishedAt) }))} <a href="/results/${esc(cycle.id)}">${esc(t('publicResults'))}</a></p>`,
    );
    if (publication.forcedReason) out.push(`<p class="note">${esc(t('forcedBecause', { reason: publication.forcedReason }))}</p>`);
    return out.join('');
  }
  // Counted before this ledger: the deployment file's results stand, and there is nothing to publish.
  if (cycle.results) {
    out.push(
      `<p class="ok">${esc(t('declaredOn', { date: formatDate(cycle.results.published, f.lang, f.d.deployment.timezone) }))} <a href="/results/${esc(cycle.id)}">${esc(t('publicResults'))}</a></p>`,
    );
    // A publish sent anyway (a page opened before the deployment file declared them): why not.
    if (input.refused) out.push(`<p class="err" role="alert" id="e-publish">${esc(t(`refusal.${input.refused.code}` as LabelKey))}</p>`);
    return out.join('');
  }
  out.push(`<p>${esc(t('notPublished', { date: when(cycle.phases.voting.closes) }))}</p>`);
  if (publication.behind.length) {
    out.push(
      `<p class="note">${esc(t('behind'))}</p><ul>${publication.behind.map((g) => `<li>${esc(g.gatewayId)}: ${esc(g.lastSeenAt ? `${t('lastContact')} ${when(g.lastSeenAt)}` : t('never'))}${(g.backlog ?? 0) > 0 ? ` · ${esc(t('backlog'))} ${g.backlog}` : ''}</li>`).join('')}</ul>`,
    );
  }
  if (!can(f.session.user.role, 'publish')) return out.join('');
  const r = input.refused;
  const err = r
    ? `<p class="err" role="alert" id="e-publish">${esc(t(`refusal.${r.code}` as LabelKey))}</p>${r.detail ? `<pre>${esc(r.detail)}</pre>` : ''}`
    : '';
  out.push(`<p class="note">${esc(t('publishHelp'))}</p>${err}<form method="post" action="/console/vote/${esc(cycle.id)}/publish">${hidden('_csrf', f.session.csrf)}
<label><input type="checkbox" name="force" value="1"${r?.force ? ' checked' : ''}> ${esc(t('force'))}</label>
<label for="reason">${esc(t('forceReason'))}</label><textarea id="reason" name="reason" rows="2" maxlength="1000">${esc(r?.reason ?? '')}</textarea>
<p><button type="submit">${esc(t('publishResults'))}</button></p></form>`);
  return out.join('');
}
