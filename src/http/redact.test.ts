import { describe, expect, it } from 'vitest';
import { maskSecrets, maskUrl } from './redact.js';

describe('maskUrl', () => {
  it('masks credential query values and user-info, keeps the rest readable', () => {
    const masked = maskUrl('https://user:pw@files.example.com/r.csv?X-Amz-Signature=abc123&X-Amz-Credential=AKIA&page=2&api_key=k');
    expect(masked).not.toContain('abc123');
    expect(masked).not.toContain('AKIA');
    expect(masked).not.toContain('pw@');
    expect(masked).toContain('page=2');
    expect(masked).toContain('X-Amz-Signature=***');
    expect(masked).toContain('api_key=***');
  });
  it('masks configured secrets anywhere in the URL, raw or percent-encoded', () => {
    expect(maskUrl('https://h.example/p/s3cr3t+x/z', ['s3cr3t+x'])).toBe('https://h.example/p/***/z');
    expect(maskUrl('https://h.example/?q=a%20b%2Bc', ['a b+c'])).not.toContain('a%20b');
  });
});

describe('maskSecrets', () => {
  it('replaces every occurrence and ignores trivially short values', () => {
    expect(maskSecrets('token=abcd1234 again abcd1234', ['abcd1234'])).toBe('token=*** again ***');
    expect(maskSecrets('a b c', ['a'])).toBe('a b c');
  });
});
