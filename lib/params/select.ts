import { InputError } from '../util/errors';

/**
 * Picks parameter names by glob patterns, e.g. `['bn3/*', 'fc/*']`.
 * `*` matches within one '/'-separated segment, `**` across segments (and a leading `**` plus '/'
 * also matches zero segments, so it finds a top-level `bias` too); a pattern without wildcards is
 * an exact name. The result keeps the order of `available` (the model's order), each name once.
 * A pattern that matches nothing is an error, because a typo would otherwise shrink the subset.
 */
export function selectParamNames(available: readonly string[], patterns: readonly string[]): string[] {
  if (patterns.length === 0) throw new InputError('no parameter patterns given');
  const matchers = patterns.map((pattern) => ({ pattern, regex: globToRegExp(pattern) }));
  for (const { pattern, regex } of matchers) {
    if (!available.some((name) => regex.test(name))) {
      throw new InputError(
        `parameter pattern "${pattern}" matches nothing; available: ${available.join(', ')}`,
      );
    }
  }
  const selected = available.filter((name) => matchers.some(({ regex }) => regex.test(name)));
  return [...new Set(selected)];
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 3;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 2;
    } else if (pattern[i] === '*') {
      source += '[^/]*';
      i += 1;
    } else {
      source += pattern[i].replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${source}$`);
}
