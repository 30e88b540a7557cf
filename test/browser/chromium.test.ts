// The example apps in Debian's Chromium, driven by playwright-core.
import { launchChromium } from './chromium.js';
import { CHROMIUM } from './driver.js';
import { browserSuite } from './suite.js';

browserSuite('Chromium', CHROMIUM, launchChromium);
