// jest's globalTeardown: removes the run's temporary folder (test/setup/global-setup.js).
'use strict';
const fs = require('node:fs');

module.exports = () => {
  const dir = process.env.CDK8S_MESH_TEST_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
