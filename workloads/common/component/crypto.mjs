// node:crypto's createHash('sha256') for handlers running in StarlingMonkey, on
// @noble/hashes (audited pure-JS SHA-256): StarlingMonkey has only the asynchronous
// crypto.subtle.digest, and the node handlers hash synchronously.
import { sha256 } from '@noble/hashes/sha2.js';
import { Buffer } from 'buffer';

export function createHash(algorithm) {
  if (algorithm !== 'sha256') throw new Error(`createHash: only sha256 in the component build, not ${algorithm}`);
  const h = sha256.create();
  return {
    update(data) {
      h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return this;
    },
    digest(encoding) {
      const d = Buffer.from(h.digest());
      return encoding ? d.toString(encoding) : d;
    },
  };
}
