#!/usr/bin/env node
// The kubectl plugin: kubectl runs `kubectl-multinet <args>` for `kubectl multinet <args>` when
// this file is on PATH (`npm install -g` links it there). The commands are `multinet`'s own.
import './multinet.js'
