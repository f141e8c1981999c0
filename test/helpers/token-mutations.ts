import fc from 'fast-check';

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
// Printable ASCII: what can travel in an HTTP header.
const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)) });

/** Ways an attacker or a broken client mangles a valid compact JWS. */
export function tokenMutation(valid: string): fc.Arbitrary<string> {
  const [head, body, signature] = valid.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  const index = fc.nat({ max: valid.length - 1 });
  return fc.oneof(
    // Replace one character.
    fc.tuple(index, printable.filter((s) => s.length === 1)).map(([i, c]) => valid.slice(0, i) + c + valid.slice(i + 1)),
    // Delete a span.
    fc.tuple(index, fc.integer({ min: 1, max: 40 })).map(([i, n]) => valid.slice(0, i) + valid.slice(i + n)),
    // Insert junk.
    fc.tuple(index, printable).map(([i, junk]) => valid.slice(0, i) + junk + valid.slice(i)),
    // Truncate.
    index.map((i) => valid.slice(0, i)),
    // Swap or drop segments.
    fc.constantFrom(
      `${body}.${head}.${signature}`,
      `${head}.${body}`,
      `${head}.${body}.`,
      `${head}..${signature}`,
      `.${body}.${signature}`,
      `${head}.${body}.${signature}.${signature}`,
    ),
    // Rewrite the header (algorithm confusion, none, kid games), keeping the signature.
    fc
      .record({
        alg: fc.constantFrom('none', 'None', 'NONE', 'HS384', 'HS512', 'RS256', 'ES256', 'PS256', '', null),
        typ: fc.constantFrom('at+jwt', 'JWT', undefined),
        kid: fc.option(printable, { nil: undefined }),
        jku: fc.option(fc.constant('https://attacker.example/jwks'), { nil: undefined }),
      })
      .map((h) => `${segment({ ...header, ...h })}.${body}.${signature}`),
    // Rewrite claims, keeping the signature.
    fc
      .record({
        role: fc.constantFrom('ADMIN', 'USER', 'VIEWER', 42, null),
        exp: fc.oneof(fc.integer(), fc.constant(9_999_999_999)),
        sub: fc.oneof(printable, fc.constant(claims.sub)),
        aud: fc.constantFrom('gatehouse', 'other', ['gatehouse', 'other']),
      })
      .map((c) => `${head}.${segment({ ...claims, ...c })}.${signature}`),
    // Random bytes that look like a JWS.
    fc.tuple(printable, printable, printable).map(([a, b, c]) => `${a}.${b}.${c}`),
  );
}
