// Shell-style globs (fnmatch(3) without flags): `*`, `?` and `[...]` classes, matched against
// the whole name. nstat filters counters this way, and sysctl names are matched the same way.

function globToRegExp(glob: string, flags = ''): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) { re += '\\['; continue; }   // an unclosed '[' is a literal, as in fnmatch
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(re + '$', flags);
}

/**
 * A predicate that is true when a name matches any of the globs (or when there are none).
 * `ignoreCase`: as nstat matches counter names (fnmatch with FNM_CASEFOLD).
 */
export function globMatcher(globs: readonly string[], opts: { ignoreCase?: boolean } = {}): (name: string) => boolean {
  if (globs.length === 0) return () => true;
  const res = globs.map((g) => globToRegExp(g, opts.ignoreCase ? 'i' : ''));
  return (name) => res.some((r) => r.test(name));
}
