import { describe, expect, it } from 'vitest';
import { messageOf } from '../../src/core/error-message.ts';

describe('messageOf', () => {
  it("gives an Error's message, and anything else thrown as text", () => {
    expect(messageOf(new RangeError('too far'))).toBe('too far');
    expect(messageOf('plain words')).toBe('plain words');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
