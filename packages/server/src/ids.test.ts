import { describe, expect, it } from 'vitest';
import { createSequentialIds, newId } from './ids.ts';

describe('createSequentialIds', () => {
  it('makes unique ids of the newId shape that sort in creation order', () => {
    const next = createSequentialIds('acl');
    const ids = Array.from({ length: 5000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^acl_[0-9a-hjkmnp-tv-z]{24}$/);
    expect(ids[0]?.length).toBe(newId('dev').length);
  });

  it('two generators (two nodes, or a restart) do not share ids', () => {
    const a = createSequentialIds('acl');
    const b = createSequentialIds('acl');
    expect(a()).not.toBe(b());
  });
});
