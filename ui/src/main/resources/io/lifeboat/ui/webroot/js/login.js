// The login form. The password leaves the DOM as soon as the coordinator answers.

import {ApiError, login} from './api.js';
import {h, replace} from './dom.js';
import {duration, time} from './format.js';

/** Draws the login form in main; calls onLoggedIn(session) after a successful login. */
export function renderLogin(main, onLoggedIn, notice) {
  const user = h('input', {id: 'user', name: 'user', autocomplete: 'username', required: true, autocapitalize: 'none',
    spellcheck: 'false'});
  const password = h('input', {id: 'password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true});
  const message = h('p', {id: 'login-error', class: 'error', role: 'alert', hidden: true});
  const button = h('button', {type: 'submit', id: 'login-submit'}, 'Log in');
  const form = h('form', {class: 'login card', id: 'login-form', 'aria-labelledby': 'login-title'},
      h('h1', {id: 'login-title'}, 'Log in to Lifeboat'),
      notice ? h('p', {class: 'notice'}, notice) : null,
      h('label', {for: 'user'}, 'User'), user,
      h('label', {for: 'password'}, 'Password'), password,
      message, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const secret = password.value;
    password.value = '';
    button.disabled = true;
    message.hidden = true;
    try {
      const session = await login(user.value.trim(), secret);
      form.remove();
      onLoggedIn(session);
    } catch (e) {
      message.hidden = false;
      if (e instanceof ApiError && (e.status === 401 || e.status === 400)) {
        message.dataset.status = String(e.status);
        replace(message, 'Wrong user or password.');
      } else if (e instanceof ApiError && e.status === 429) {
        message.dataset.status = '429';
        const wait = e.retryAfterSeconds;
        replace(message, 'Too many failed logins. ', wait !== null
          ? `Try again in ${duration(wait)} (at ${time(new Date(Date.now() + wait * 1000))}).`
          : 'Try again later.');
      } else {
        message.dataset.status = e instanceof ApiError ? String(e.status) : 'network';
        replace(message, `Cannot log in: ${e.message}`);
      }
      button.disabled = false;
      password.focus();
    }
  });
  replace(main, form);
  user.focus();
}
