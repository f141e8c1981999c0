import { describe, expect, it } from '@jest/globals';
import { clientIpKey, parseClientAddress } from '../../../src/auth/client-ip.js';

describe('clientIpKey', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientIpKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('unwraps an IPv4-mapped IPv6 address, so both spellings count together', () => {
    expect(clientIpKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientIpKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const key = '2001:db8:0:1::/64';
    expect(clientIpKey('2001:db8:0:1::1')).toBe(key);
    expect(clientIpKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe(key);
    expect(clientIpKey('2001:DB8:0:1:abcd::9')).toBe(key);
    expect(clientIpKey('2001:db8:0:2::1')).not.toBe(key);
  });

  it('handles the compressed forms at either end', () => {
    expect(clientIpKey('::1')).toBe('0:0:0:0::/64');
    expect(clientIpKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientIpKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });
});

describe('parseClientAddress', () => {
  it.each([
    ['an IPv4 address', '203.0.113.7', '203.0.113.7'],
    ['an IPv4 address with a port', '203.0.113.7:51234', '203.0.113.7'],
    ['an IPv4 address with surrounding space', ' 203.0.113.7 ', '203.0.113.7'],
    ['an IPv4-mapped IPv6 address', '::FFFF:203.0.113.7', '203.0.113.7'],
    ['an IPv4-mapped IPv6 address in hex', '::ffff:cb00:7107', '203.0.113.7'],
    ['an IPv6 address in capitals and long form', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['a bracketed IPv6 address with a port', '[2001:db8::1]:443', '2001:db8::1'],
    ['a bracketed IPv6 address', '[2001:db8::1]', '2001:db8::1'],
    ['an IPv6 address with a zone', 'fe80::1%eth0', 'fe80::1'],
  ])('writes %s in one spelling', (_label, raw, expected) => {
    expect(parseClientAddress(raw)).toBe(expected);
  });

  it.each([
    ['leading zeros (octal to some parsers)', '010.000.000.001'],
    ['leading zeros in one part', '203.0.113.07'],
    ['three parts', '203.0.113'],
    ['a hex part', '0x7f.0.0.1'],
    ['a part over 255', '203.0.113.256'],
    ['a port out of range', '203.0.113.7:123456'],
    ['a bare IPv6 address with a port', '2001:db8::1:443:1:1:1:1'],
    ['"unknown"', 'unknown'],
    ['an RFC 7239 obfuscated node', '_hidden'],
    ['a host name', 'proxy.example.com'],
    ['an empty entry', ''],
    ['garbage', '<script>'],
  ])('refuses %s', (_label, raw) => {
    expect(parseClientAddress(raw)).toBeNull();
  });
});
