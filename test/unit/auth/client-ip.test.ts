import { describe, expect, it } from '@jest/globals';
import { clientIpKey } from '../../../src/auth/client-ip.js';

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
