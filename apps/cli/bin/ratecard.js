#!/usr/bin/env node
'use strict';
require('../../../dist/apps/cli/apps/cli/src/main.js');
