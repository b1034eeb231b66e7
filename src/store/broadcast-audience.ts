// The numbers a broadcast from the console reaches on this gateway (src/engine/broadcast-notices.ts):
// the proposers kept with each idea (proposal_contacts) or the residents who follow a project
// (project_follows), both sealed until STOP. Numbers are opened for the send only.
import type { Database, Statement } from 'better-sqlite3';
import type { Seal } from '../domain/phone-seal.ts';

/** One contact to text: the number opened, the provider it came by, the language it was answered in. */
export interface AudienceContact {
  voterKey: string;
  provider: string;
  phone: string;
  lang: string;
}

interface Row {
  voter_key: string;
  provider: string;
  phone: string;
  lang: string;
}

export class BroadcastAudience {
  private readonly s: Record<'proposers' | 'followers', Statement>;

  constructor(
    db: Database,
    private readonly seal: Seal,
  ) {
    this.s = {
      // Oldest first, so a resident with several ideas is reached through the first one's provider.
      proposers: db.prepare(`SELECT c.voter_key, c.provider, c.phone, c.lang FROM proposal_contacts c JOIN proposals p ON p.reference = c.reference
        WHERE p.cycle_id = @cycle AND (@ward IS NULL OR p.ward_id = @ward) ORDER BY c.kept_at, c.reference`),
      followers: db.prepare('SELECT voter_key, provider, phone, lang, code FROM project_follows WHERE cycle_id = @cycle ORDER BY followed_at, voter_key'),
    };
  }

  /** The cycle's proposers (of one ward when given), one per resident. */
  proposers(cycle: string, ward: string | null): AudienceContact[] {
    return this.open(this.s.proposers.all({ cycle, ward }) as Row[]);
  }

  /** The cycle's followers of the projects in `codes` (every project when null), one per resident. */
  followers(cycle: string, codes: ReadonlySet<number> | null): AudienceContact[] {
    const rows = this.s.followers.all({ cycle }) as (Row & { code: number })[];
    return this.open(rows.filter((r) => codes === null || codes.has(Number(r.code))));
  }

  /** One contact per voter key; a number sealed under another secret is skipped (it cannot be read). */
  private open(rows: Row[]): AudienceContact[] {
    const seen = new Set<string>();
    const out: AudienceContact[] = [];
    for (const r of rows) {
      if (seen.has(r.voter_key)) continue;
      seen.add(r.voter_key);
      try {
        out.push({ voterKey: r.voter_key, provider: r.provider, phone: this.seal.open(r.phone), lang: r.lang });
      } catch {
        continue;
      }
    }
    return out;
  }
}
