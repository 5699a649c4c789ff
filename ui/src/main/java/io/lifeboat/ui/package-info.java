/** The web status page: its static assets (HTML, CSS, JavaScript modules, SVG) and the class that mounts them. */
package io.lifeboat.ui;
