import { minorDigits, parseMoney, parseRate, parseValidity } from './amounts';
import { FileContext, isObject, text, type Mutable } from './file-context';
import type { Pack } from './ruleset';

/**
 * Stage "normalize", the catalogue part: credit packs (`packs:`), which may be written in any file.
 * `earlier` holds the packs of files already read, so an id is unique across the rule set.
 */
export function normalizePacks(ctx: FileContext, raw: readonly unknown[], earlier: readonly Pack[]): Pack[] {
  const packs: Pack[] = [];
  raw.forEach((p, i) => {
    if (!isObject(p) || typeof p.id !== 'string') return;
    const path = ['packs', i];
    const first = [...earlier, ...packs].find((x) => x.id === p.id);
    if (first) {
      ctx.error('duplicate-pack', `pack \`${p.id}\` is already on the catalogue`, [...path, 'id'], { related: first.at });
      return;
    }
    const credits = parseRate(p.credits);
    if (credits === undefined) {
      if (typeof p.credits === 'number') ctx.error('invalid-amount', `\`${p.credits}\` is not an amount of credits with at most three decimals`, [...path, 'credits']);
      return;
    }
    if (credits.mc <= 0) {
      ctx.error('empty-pack', `pack \`${p.id}\` grants ${credits.mc < 0 ? 'a negative amount of' : 'no'} credits`, [...path, 'credits']);
      return;
    }
    if (p.valid === undefined) {
      ctx.error('pack-without-validity', `pack \`${p.id}\` does not say how long its credits stay valid`, path, {
        hint: 'add `valid: 90 days` (or `valid: never` for credits that never expire)',
      });
      return;
    }
    const validDays = parseValidity(p.valid);
    if (validDays === undefined) return; // the schema reported it
    const pack: Mutable<Pack> = { id: p.id, name: text(p.name) ?? p.id, creditsMc: credits.mc, validDays, at: ctx.at(path) };
    if (p.price !== undefined) {
      const price = parseMoney(p.price);
      if (!price) {
        const currency = typeof p.price === 'string' ? /^\s*([A-Z]{3})\s/.exec(p.price)?.[1] : undefined;
        if (currency) ctx.error('invalid-price', `\`${String(p.price)}\` is not an amount of ${currency} with at most ${minorDigits(currency)} decimals`, [...path, 'price']);
        return;
      }
      pack.price = price;
    }
    if (text(p.note)) pack.note = text(p.note);
    packs.push(pack);
  });
  return packs;
}
