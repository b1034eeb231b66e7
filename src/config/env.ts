// The only place that reads process.env. Every key is described; a bad value stops start-up.
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { providerCredentials, providerEnvShape, type ProviderCredentials } from '../../adapters/settings.ts';
import { ConfigError, describeIssues } from './errors.ts';

const DEV_TOKEN = 'dev-callback-token';
const DEV_VOTER_SECRET = 'dev-voter-key-secret-change-me';

const envSchema = z.object({
  SAUTI_CONFIG: z.string().default('config/example.yaml').describe('Path of the deployment YAML file'),
  SAUTI_DB: z.string().default('data/sauti.db').describe('Path of the gateway SQLite database file'),
  HOST: z.string().default('127.0.0.1').describe('Interface the gateway listens on (0.0.0.0 for providers)'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('Port the gateway listens on'),
  SAUTI_GATEWAY_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes')
    .optional()
    .describe('Stable id of this gateway; generated and stored on first start when unset'),
  SAUTI_CALLBACK_TOKEN: z
    .string()
    .min(16, 'use at least 16 characters')
    .optional()
    .describe('Secret path segment providers must call back on (it vouches for a provider that signs nothing)'),
  SAUTI_VOTER_KEY_SECRET: z.string().min(16, 'use at least 16 characters').optional().describe('HMAC key that turns phone numbers into voter pseudonyms'),
  SAUTI_PUBLIC_URL: z.url().optional().describe('Public base URL providers call (signed callbacks are checked over it, not the Host header)'),
  // Each provider's credentials, declared by the provider (adapters/<provider>/settings.ts).
  ...providerEnvShape,
  REDIS_URL: z
    .string()
    .optional()
    .describe(
      'Redis for the outbound SMS queue and the sync job (BullMQ); unset: the embedded queue and timer. Never waited for: while it is down, votes are taken and SMS and sync wait',
    ),
  SAUTI_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default('sauti')
    .describe('Prefix of BullMQ queue names, so gateways and tests sharing a Redis stay apart'),
  SAUTI_LEDGER_URL: z.url().optional().describe('Ledger this gateway syncs with; unset: `sauti start` runs an embedded ledger in a thread of the same process'),
  SAUTI_LEDGER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'use the 43-character key `sauti ledger identity` prints on the ledger')
    .optional()
    .describe(
      'Public key of the ledger at SAUTI_LEDGER_URL (`sauti ledger identity`): the gateway acts only on answers it signed; instead of `sauti sync trust-ledger`',
    ),
  SAUTI_LEDGER_DB: z.string().optional().describe('SQLite file of the ledger when DATABASE_URL is unset (default: ledger.db beside SAUTI_DB)'),
  DATABASE_URL: z.string().optional().describe('PostgreSQL URL: the ledger stores its log there instead of SQLite'),
  SAUTI_LEDGER_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional()
    .describe('PostgreSQL schema for the ledger tables (created if missing; default: the search path)'),
  SAUTI_LEDGER_VOTER_SECRET: z
    .string()
    .min(32, 'use at least 32 characters')
    .optional()
    .describe(
      'Secret only the ledger holds: re-keys every voter pseudonym on ingest, so a gateway’s SAUTI_VOTER_KEY_SECRET and a copy of the ledger cannot find a ballot; unset: a SQLite ledger keeps its own beside its file (ledger.db.voter-secret), a PostgreSQL one refuses to start',
    ),
  SAUTI_LEDGER_NEXT_VOTER_SECRET: z
    .string()
    .min(32, 'use at least 32 characters')
    .optional()
    .describe('The secret `sauti ledger rotate-voter-secret` re-keys the ledger to; then it becomes SAUTI_LEDGER_VOTER_SECRET'),
  LEDGER_PORT: z.coerce.number().int().min(0).max(65535).default(8090).describe('Port `sauti ledger` listens on'),
  SAUTI_TRUST_PROXY: z
    .string()
    .transform((v, ctx): TrustProxy => {
      if (/^\d+$/.test(v)) return Number(v);
      const parts = v.split(',').map((p) => p.trim());
      const bad = parts.find((p) => !PROXY_NAMES.includes(p) && !isAddressOrSubnet(p));
      if (bad !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `'${bad}' is not an IP address, a subnet (10.0.0.0/8), loopback, linklocal or uniquelocal; or give the number of proxies`,
        });
      return parts;
    })
    .optional()
    .describe(
      'Reverse proxies in front of Sauti whose X-Forwarded-For names the client (comma-separated addresses, subnets, or loopback/linklocal/uniquelocal; or the number of proxies); unset: the connecting address is the client and X-Forwarded-For is ignored',
    ),
  SAUTI_PUBLIC_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(120)
    .describe('Requests per minute one client address may make to /results and to /v1/receipts (each counted apart); past it, 429 with Retry-After'),
  SAUTI_PROMPTS_DIR: z
    .string()
    .default('prompts')
    .describe('Folder of the voice prompts, <lang>/<key>.wav: rendered by `sauti voice render`, or recordings dropped in place'),
  SAUTI_RENDER_PROMPTS: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      'on: `sauti start` renders missing or changed voice clips in a background process at low priority after it listens (calls fall back meanwhile); off: only `sauti voice render` does',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe(
      'Least severe log level written (JSON lines on stdout from `sauti start` and `sauti ledger serve`; other commands print only warnings and errors, as plain lines on stderr); never a phone number, token or key at any level',
    ),
  SAUTI_REPLY_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(20000)
    .default(4500)
    .describe('Longest a USSD hop may take before the resident gets an apology END'),
});

/** Names express's `trust proxy` understands besides addresses and subnets. */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const isAddressOrSubnet = (p: string) => {
  const [ip, bits, ...rest] = p.split('/');
  const family = isIP(ip ?? '');
  if (!family || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
};

/** Proxies trusted for the client address: how many hops, or which addresses (express `trust proxy`). */
export type TrustProxy = number | string[];

/** Runtime settings and secrets, parsed once. */
export interface Settings {
  configFile: string;
  dbFile: string;
  host: string;
  port: number;
  gatewayId: string | undefined;
  callbackToken: string;
  voterKeySecret: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  replyDeadlineMs: number;
  publicUrl: string | undefined;
  /** Each provider's credentials (undefined while not all set), as the provider reads them from the environment. */
  providers: ProviderCredentials;
  redisUrl: string | undefined;
  queuePrefix: string;
  ledgerUrl: string | undefined;
  /** The remote ledger's public key from the environment; undefined: the one stored by `sauti sync trust-ledger`. */
  ledgerKey: string | undefined;
  /** With the ledger voter secrets (SAUTI_LEDGER_VOTER_SECRET, SAUTI_LEDGER_NEXT_VOTER_SECRET) when set. */
  ledgerStorage: { voterSecret?: string; nextVoterSecret?: string } & ({ kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string });
  ledgerPort: number;
  /** Unset: no proxy is trusted, X-Forwarded-For is ignored. */
  trustProxy: TrustProxy | undefined;
  /** Requests per minute per client address on /results and on /v1/receipts. */
  publicRateLimit: number;
  /** Folder of the voice prompt clips. */
  promptsDir: string;
  /** Whether `sauti start` renders missing voice clips in the background. */
  renderPrompts: boolean;
  /** Names of secrets that fell back to development defaults; start-up warns about each. */
  devDefaults: string[];
}

/** Parses settings from an environment (process.env by default). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  // An empty variable (`FOO=`) means unset, as most shells and .env files intend.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error.issues));
  const e = parsed.data;
  // The ledger secret protects voters only if no gateway holds it.
  if (e.SAUTI_LEDGER_VOTER_SECRET !== undefined && e.SAUTI_LEDGER_VOTER_SECRET === e.SAUTI_VOTER_KEY_SECRET) {
    throw new ConfigError('environment', ['SAUTI_LEDGER_VOTER_SECRET: must differ from SAUTI_VOTER_KEY_SECRET, which every gateway holds']);
  }
  if (e.SAUTI_LEDGER_NEXT_VOTER_SECRET !== undefined && e.SAUTI_LEDGER_NEXT_VOTER_SECRET === e.SAUTI_VOTER_KEY_SECRET) {
    throw new ConfigError('environment', ['SAUTI_LEDGER_NEXT_VOTER_SECRET: must differ from SAUTI_VOTER_KEY_SECRET, which every gateway holds']);
  }
  const devDefaults: string[] = [];
  if (!e.SAUTI_CALLBACK_TOKEN) devDefaults.push('SAUTI_CALLBACK_TOKEN');
  if (!e.SAUTI_VOTER_KEY_SECRET) devDefaults.push('SAUTI_VOTER_KEY_SECRET');
  return {
    configFile: e.SAUTI_CONFIG,
    dbFile: e.SAUTI_DB,
    host: e.HOST,
    port: e.PORT,
    gatewayId: e.SAUTI_GATEWAY_ID,
    callbackToken: e.SAUTI_CALLBACK_TOKEN ?? DEV_TOKEN,
    voterKeySecret: e.SAUTI_VOTER_KEY_SECRET ?? DEV_VOTER_SECRET,
    logLevel: e.LOG_LEVEL,
    replyDeadlineMs: e.SAUTI_REPLY_DEADLINE_MS,
    publicUrl: e.SAUTI_PUBLIC_URL?.replace(/\/$/, ''),
    providers: providerCredentials(e),
    redisUrl: e.REDIS_URL,
    queuePrefix: e.SAUTI_QUEUE_PREFIX,
    ledgerUrl: e.SAUTI_LEDGER_URL?.replace(/\/$/, ''),
    ledgerKey: e.SAUTI_LEDGER_KEY,
    ledgerStorage: {
      ...(e.DATABASE_URL
        ? { kind: 'postgres' as const, url: e.DATABASE_URL, schema: e.SAUTI_LEDGER_SCHEMA }
        : { kind: 'sqlite' as const, file: e.SAUTI_LEDGER_DB ?? join(dirname(e.SAUTI_DB), 'ledger.db') }),
      voterSecret: e.SAUTI_LEDGER_VOTER_SECRET,
      nextVoterSecret: e.SAUTI_LEDGER_NEXT_VOTER_SECRET,
    },
    ledgerPort: e.LEDGER_PORT,
    trustProxy: e.SAUTI_TRUST_PROXY,
    publicRateLimit: e.SAUTI_PUBLIC_RATE_LIMIT,
    promptsDir: e.SAUTI_PROMPTS_DIR,
    renderPrompts: e.SAUTI_RENDER_PROMPTS === 'on',
    devDefaults,
  };
}

/** Human-readable list of environment keys and what they do (for `sauti --help` and the README). */
export function describeSettings(): string[] {
  return Object.entries(envSchema.shape).map(([k, v]) => `${k}: ${v.description ?? ''}`);
}
