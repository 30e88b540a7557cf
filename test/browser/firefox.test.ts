// The example apps in Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi.
import { FIREFOX } from './driver.js';
import { launchFirefox } from './firefox.js';
import { browserSuite } from './suite.js';

browserSuite('Firefox', FIREFOX, launchFirefox);
