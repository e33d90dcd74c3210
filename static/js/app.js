// Pillars: small progressive enhancements. Pages work without this file.
"use strict";
