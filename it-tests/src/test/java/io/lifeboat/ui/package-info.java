/** Browser tests of the web status page: headless Debian Chromium driven by Selenium against a real coordinator. */
package io.lifeboat.ui;
