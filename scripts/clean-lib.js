// Removes lib/ before `npm pack` and `npm publish` build it again (the prepack script), so the
// tarball holds what the sources compile to now, never a file of a module since removed or renamed.
const fs = require('node:fs');
const path = require('node:path');

fs.rmSync(path.join(__dirname, '..', 'lib'), { recursive: true, force: true });
