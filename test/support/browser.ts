import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium package; install it with `.ci/install-browser.sh`. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebGL (the map) without a GPU: ANGLE on SwiftShader, Chromium's software renderer. */
const WEBGL_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/** Launches the system Chromium headless through playwright-core (no bundled browser download). */
export async function launchChromium(options: { webgl?: boolean } = {}): Promise<Browser> {
  const args = options.webgl
    ? [...CHROMIUM_ARGS.filter((arg) => arg !== '--disable-gpu'), ...WEBGL_ARGS]
    : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}
