/** A protected two-host lab site: agents inside the lab hosts, a coordinator in this JVM, test guests on the primary. */
package io.lifeboat.lab.site;
