/** Email notifications to the admin: what happened, where, and what to do next, sent by the leader over SMTP. */
package io.lifeboat.coordinator.notify;
