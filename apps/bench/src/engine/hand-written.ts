import type { AccountState, DecisionRequest, ReasonCode } from '@ratecard/engine';

/**
 * The bundled price list (rules/*.yaml) written by hand as plain JavaScript: Map lookups and
 * integer arithmetic in millicredits, no receipt lines and no messages. The floor any rule engine
 * is measured against. It must agree with `decide` on allowed, cost and reason codes for the whole
 * request mix; the bench checks that before timing it.
 *
 * If rules/ changes, this file has to change with it (the check says so loudly).
 */
export interface HandAnswer {
  readonly allowed: boolean;
  readonly costMc: number;
  readonly reasons: readonly ReasonCode[];
}

type Params = Readonly<Record<string, unknown>>;

const BASIC = 0;
const PRO = 1;
const PREMIUM = 2;
const RANK = new Map<string, number>([
  ['basic', BASIC],
  ['pro', PRO],
  ['premium', PREMIUM],
]);
/** Per-cycle quotas by plan rank. */
const QUOTAS: readonly ReadonlyMap<string, number>[] = [new Map([['site.generate', 2]]), new Map(), new Map()];

/** A rate or factor, and the lowest plan rank allowed to use it. */
interface Gated {
  readonly mc: number;
  readonly min: number;
}

const IMAGE_MODELS = new Map<unknown, Gated>([
  ['seedream-4.5', { mc: 18_000, min: BASIC }],
  ['nano-banana-pro', { mc: 20_000, min: PREMIUM }],
  ['gemini-2.5-flash', { mc: 8_000, min: BASIC }],
  ['flux-pro', { mc: 16_000, min: PRO }],
  ['flux-schnell', { mc: 12_000, min: PRO }],
]);
/** Output resolution: permille factor (1000 means no multiplier step) and gate. */
const IMAGE_RESOLUTIONS = new Map<unknown, Gated>([
  ['1k', { mc: 1000, min: BASIC }],
  ['2k', { mc: 2000, min: PREMIUM }],
  ['4k', { mc: 2000, min: PREMIUM }],
]);
const UPSCALE_FACTORS = new Set<unknown>([2, 4]);
const VIDEO_TIERS = new Map<unknown, Gated>([
  ['standard', { mc: 32_000, min: BASIC }],
  ['relaxed', { mc: 18_750, min: BASIC }],
  ['hd', { mc: 85_000, min: PREMIUM }],
]);
const VIDEO_RESOLUTIONS = new Map<unknown, number>([
  ['720p', 1000],
  ['1080p', 1000],
  ['2k', 2000],
  ['4k', 4000],
]);
/** The site's fixed phases: 8 s of standard 1080p video (32 cr/s) and the HTML assembly (8 cr). */
const SITE_FIXED_MC = 32_000 * 8 + 8_000;

/**
 * Prices one action for a plan rank. Pushes INVALID_PARAMS (one per problem) and returns -1 when the
 * parameters are invalid; otherwise pushes the rule denials in declaration order and returns the cost.
 */
type Pricer = (p: Params, rank: number, reasons: ReasonCode[]) => number;

const ceilPermille = (mc: number, permille: number): number => (permille === 1000 ? mc : Math.ceil((mc * permille) / 1000));

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Counts parameters the action does not declare. */
function unknownKeys(p: Params, declared: readonly string[], reasons: ReasonCode[]): void {
  for (const key in p) if (!declared.includes(key)) reasons.push('INVALID_PARAMS');
}

const flat =
  (mc: number, min = BASIC): Pricer =>
  (p, rank, reasons) => {
    unknownKeys(p, [], reasons);
    if (reasons.length > 0) return -1;
    if (rank < min) reasons.push('PLAN_REQUIRED');
    return mc;
  };

/** The hero image: model and resolution, with their gates. */
function image(p: Params, rank: number, reasons: ReasonCode[], declared: readonly string[]): number {
  const model = IMAGE_MODELS.get(p.model === undefined ? 'seedream-4.5' : p.model);
  const res = IMAGE_RESOLUTIONS.get(p.resolution === undefined ? '1k' : p.resolution);
  if (model === undefined) reasons.push('INVALID_PARAMS');
  if (res === undefined) reasons.push('INVALID_PARAMS');
  unknownKeys(p, declared, reasons);
  if (model === undefined || res === undefined || reasons.length > 0) return -1;
  if (rank < model.min) reasons.push('PLAN_REQUIRED');
  if (rank < res.min) reasons.push('PLAN_REQUIRED');
  return ceilPermille(model.mc, res.mc);
}

const IMAGE_PARAMS = ['model', 'resolution'];
const EDIT_PARAMS = ['resolution'];
const UPSCALE_PARAMS = ['factor'];
const VIDEO_PARAMS = ['tier', 'resolution', 'seconds'];
const EXTEND_PARAMS = ['seconds'];

const PRICES = new Map<string, Pricer>([
  ['chat.edit', flat(500)],
  ['prompt.enhance', flat(1_000)],
  ['prompt.brainstorm', flat(1_000)],
  ['business-os.chat', flat(15_000, PRO)],
  ['project.preview', flat(0)],
  ['site.republish', flat(0)],
  ['text.inline-edit', flat(0)],
  ['design-preset.apply', flat(0)],
  ['site.settings-update', flat(0)],
  ['site.download', flat(0)],
  ['video.extract-frames', flat(0)],
  ['image.remove-background', flat(4_000)],
  ['site.assemble', flat(8_000)],
  ['image.generate', (p, rank, reasons) => image(p, rank, reasons, IMAGE_PARAMS)],
  [
    'image.edit',
    (p, rank, reasons) => {
      const res = IMAGE_RESOLUTIONS.get(p.resolution === undefined ? '1k' : p.resolution);
      if (res === undefined) reasons.push('INVALID_PARAMS');
      unknownKeys(p, EDIT_PARAMS, reasons);
      if (res === undefined || reasons.length > 0) return -1;
      if (rank < res.min) reasons.push('PLAN_REQUIRED');
      return ceilPermille(12_000, res.mc);
    },
  ],
  [
    'image.upscale',
    (p, _rank, reasons) => {
      if (!UPSCALE_FACTORS.has(p.factor === undefined ? 2 : p.factor)) reasons.push('INVALID_PARAMS');
      unknownKeys(p, UPSCALE_PARAMS, reasons);
      return reasons.length > 0 ? -1 : 4_000;
    },
  ],
  [
    'video.generate',
    (p, rank, reasons) => {
      const tierName = p.tier === undefined ? 'standard' : p.tier;
      const resName = p.resolution === undefined ? '1080p' : p.resolution;
      const seconds = p.seconds === undefined ? 8 : p.seconds;
      const tier = VIDEO_TIERS.get(tierName);
      const factor = VIDEO_RESOLUTIONS.get(resName);
      if (tier === undefined) reasons.push('INVALID_PARAMS');
      if (factor === undefined) reasons.push('INVALID_PARAMS');
      if (!isInt(seconds, 1, 8)) reasons.push('INVALID_PARAMS');
      unknownKeys(p, VIDEO_PARAMS, reasons);
      if (tier === undefined || factor === undefined || reasons.length > 0) return -1;
      if (rank < tier.min) reasons.push('PLAN_REQUIRED');
      if (factor > 1000 && rank < PREMIUM) reasons.push('PLAN_REQUIRED');
      if (tierName === 'hd' && resName === '720p') reasons.push('INVALID_PARAMS');
      return ceilPermille(tier.mc * (seconds as number), factor);
    },
  ],
  [
    'video.extend',
    (p, rank, reasons) => {
      const seconds = p.seconds === undefined ? 4 : p.seconds;
      if (!isInt(seconds, 1, 8)) reasons.push('INVALID_PARAMS');
      unknownKeys(p, EXTEND_PARAMS, reasons);
      if (reasons.length > 0) return -1;
      if (rank < PRO) reasons.push('PLAN_REQUIRED');
      return 15_000 * (seconds as number);
    },
  ],
  [
    'site.generate',
    (p, rank, reasons) => {
      const hero = image(p, rank, reasons, IMAGE_PARAMS);
      return hero < 0 ? -1 : hero + SITE_FIXED_MC;
    },
  ],
  [
    'site.regenerate',
    (p, rank, reasons) => {
      const hero = image(p, rank, reasons, IMAGE_PARAMS);
      return hero < 0 ? -1 : hero + SITE_FIXED_MC;
    },
  ],
]);

const NEEDS_CONFIRMATION = new Set(['site.regenerate']);
const NO_PARAMS: Params = Object.freeze({});

/** The hand-written decision: allowed, cost in millicredits, reason codes in `decide`'s order. */
export function decideByHand(account: AccountState, request: DecisionRequest): HandAnswer {
  const price = PRICES.get(request.action);
  if (price === undefined) return { allowed: false, costMc: 0, reasons: ['UNKNOWN_ACTION'] };
  const rank = RANK.get(account.plan);
  if (rank === undefined) return { allowed: false, costMc: 0, reasons: ['PLAN_REQUIRED'] };
  const reasons: ReasonCode[] = [];
  const mc = price(request.params ?? NO_PARAMS, rank, reasons);
  if (mc < 0) return { allowed: false, costMc: 0, reasons };
  const quota = QUOTAS[rank].get(request.action);
  if (quota !== undefined && (account.usage[request.action] ?? 0) >= quota) reasons.push('QUOTA_EXCEEDED');
  if (request.confirm !== true && NEEDS_CONFIRMATION.has(request.action)) reasons.push('CONFIRMATION_REQUIRED');
  if (mc > account.balanceMc) reasons.push('INSUFFICIENT_CREDITS');
  return { allowed: reasons.length === 0, costMc: mc, reasons };
}
