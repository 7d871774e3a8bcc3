// jest's globalSetup: brings the compiled copy of the library up to date (test/setup/compiled.js).
'use strict';
const { compileLibrary } = require('./compiled');

module.exports = () => { compileLibrary(); };
