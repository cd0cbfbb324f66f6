// The shared vectors are read from ../shared at test time (never copied into the tests).
// Vite resolves these JSON imports from disk in Node and bundles them for the browser run.
import osdpVectors from '../../shared/osdp/vectors.json';
import libosdpCaptures from '../../shared/osdp/libosdp-captures.json';
import kdfVectors from '../../shared/design/kdf-vectors.json';
import osdpReference from '../../shared/osdp/reference.md?raw';

export { osdpVectors, libosdpCaptures, kdfVectors, osdpReference };
