#!/usr/bin/env node
// `tide` (the package's bin, also `npm run tide`): runs the built CLI,
// dist/tide.cjs, building it first when it is missing or stale.
'use strict';
const { build, bundle, isFresh } = require('./build.cjs');

if (isFresh()) {
  require(bundle);
} else {
  build().then(
    (built) => require(built),
    (error) => {
      const hint = error.code === 'MODULE_NOT_FOUND' ? ' (run npm ci first)' : '';
      console.error(`tide: cannot build the CLI${hint}: ${error.message}`);
      process.exit(1);
    },
  );
}
