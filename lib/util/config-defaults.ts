/**
 * Defaults filled on read (diffusers' `register_to_config`): a config saved before the code added
 * a field lacks that field; reading it with the current defaults gives the config the old run
 * actually ran with, so adding a field never breaks an old saved config and no field needs to be
 * optional only for compatibility.
 */
import { isPlainObject } from './config-diff';

/**
 * `saved` with its missing fields taken from `defaults`, at every depth: where both have an object
 * the two are merged key by key; anything else (arrays, numbers, strings, null) present in `saved`
 * is kept whole. Fields only in `saved` stay. Pure: neither argument is changed.
 */
export function withDefaults(saved: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...saved };
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = saved[key];
    if (value === undefined) out[key] = fallback;
    else if (isPlainObject(value) && isPlainObject(fallback)) out[key] = withDefaults(value, fallback);
  }
  return out;
}
