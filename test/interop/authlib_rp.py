"""An independent relying party: authlib (Debian's python3-authlib) and
requests against a real handoff server started by test/interop-authlib.test.ts.

Reads one JSON argument: issuer, client_id, client_secret, redirect_uri,
username, password. Prints one JSON object with what authlib returned at each
step; the test judges it. Any exception ends the script with its message on
stderr and exit code 1.
"""
import json
import os
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

# The test server listens on plain http on 127.0.0.1; authlib refuses
# non-https endpoints unless told this is development.
os.environ['AUTHLIB_INSECURE_TRANSPORT'] = '1'

import requests  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.integrations.base_client.errors import OAuthError  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # noqa: E402
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402
from authlib.oidc.discovery import OpenIDProviderMetadata  # noqa: E402

PREAUTH_GRANT = 'urn:handoff:grant-type:preauth'
TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'

cfg = json.loads(sys.argv[1])
ISSUER = cfg['issuer']


class Forms(HTMLParser):
    """The forms of a server-rendered page with their named inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'form':
            self.forms.append({'action': a.get('action', ''), 'method': a.get('method', 'get').lower(), 'fields': {}})
        elif tag == 'input' and self.forms and a.get('name') is not None:
            self.forms[-1]['fields'][a['name']] = a.get('value') or ''


def form_posting_to(response, suffix):
    parser = Forms()
    parser.feed(response.text)
    for form in parser.forms:
        if urlparse(form['action']).path.endswith(suffix):
            return urljoin(response.url, form['action']), form['fields']
    raise RuntimeError('no form posting to ...%s at %s (status %s)' % (suffix, response.url, response.status_code))


def follow(browser, response):
    """Follows redirects within the issuer; the first Location outside it
    (the client's https redirect_uri) is returned, not requested."""
    while response.status_code in (301, 302, 303, 307, 308):
        location = urljoin(response.url, response.headers['Location'])
        if not location.startswith(ISSUER + '/'):
            return location
        response = browser.get(location, allow_redirects=False)
    return response


def rp_session(**kwargs):
    return OAuth2Session(
        cfg['client_id'], cfg['client_secret'],
        redirect_uri=cfg['redirect_uri'], code_challenge_method='S256',
        token_endpoint_auth_method='client_secret_basic', **kwargs)


def validate_id_token(id_token, jwks, nonce, access_token):
    claims = jwt.decode(
        id_token, jwks, claims_cls=CodeIDToken,
        claims_options={'iss': {'essential': True, 'values': [ISSUER]}},
        claims_params={'nonce': nonce, 'client_id': cfg['client_id'], 'access_token': access_token})
    claims.validate()
    return dict(claims)


def oauth_error(call):
    try:
        call()
    except OAuthError as err:
        return {'error': err.error, 'description': err.description}
    return None


out = {}

# 1. Discovery, validated by authlib's OpenID and RFC 8414 metadata models.
meta = requests.get(ISSUER + '/.well-known/openid-configuration', timeout=10).json()
for name, model in (('openid', OpenIDProviderMetadata), ('rfc8414', AuthorizationServerMetadata)):
    try:
        model(meta).validate()
        out['discovery_' + name] = 'valid'
    except ValueError as err:
        out['discovery_' + name] = str(err)
jwks = JsonWebKey.import_key_set(requests.get(meta['jwks_uri'], timeout=10).json())

# 2. The code flow through the login and consent pages, with PKCE.
rp = rp_session(scope='openid email offline_access')
verifier = generate_token(48)
nonce = generate_token(20)
url, state = rp.create_authorization_url(meta['authorization_endpoint'], code_verifier=verifier, nonce=nonce, prompt='consent')
browser = requests.Session()
login_page = follow(browser, browser.get(url, allow_redirects=False))
action, fields = form_posting_to(login_page, '/login')
consent_page = follow(browser, browser.post(action, data={**fields, 'username': cfg['username'], 'password': cfg['password']}, allow_redirects=False))
out['consent_page_status'] = consent_page.status_code
action, fields = form_posting_to(consent_page, '/confirm')
callback = follow(browser, browser.post(action, data=fields, allow_redirects=False))
out['callback'] = callback
token = rp.fetch_token(meta['token_endpoint'], authorization_response=callback, code_verifier=verifier, state=state)
out['code_token'] = {k: token.get(k) for k in ('token_type', 'expires_in', 'scope')}
out['code_token']['has_refresh_token'] = bool(token.get('refresh_token'))
out['code_id_token'] = validate_id_token(token['id_token'], jwks, nonce, token['access_token'])
out['code_nonce'] = nonce

out['userinfo'] = rp.get(meta['userinfo_endpoint']).json()

refreshed = rp.refresh_token(meta['token_endpoint'], refresh_token=token['refresh_token'])
out['refreshed'] = {
    'has_access_token': bool(refreshed.get('access_token')),
    'refresh_token_rotated': bool(refreshed.get('refresh_token')) and refreshed['refresh_token'] != token['refresh_token'],
}
latest = refreshed['access_token']
out['introspect_before_revoke'] = rp.introspect_token(meta['introspection_endpoint'], token=latest, token_type_hint='access_token').json()
revoked = rp.revoke_token(meta['revocation_endpoint'], token=latest, token_type_hint='access_token')
out['revoke_status'] = revoked.status_code
out['introspect_after_revoke'] = rp.introspect_token(meta['introspection_endpoint'], token=latest, token_type_hint='access_token').json()
# Last: replaying a rotated refresh token revokes the whole grant.
out['old_refresh_token_reuse'] = oauth_error(lambda: rp_session().refresh_token(meta['token_endpoint'], refresh_token=token['refresh_token']))


# 3. Step 1 through authlib's OAuth2Session, then the redemption in a fresh
#    cookie jar and the code exchange.
def preauth(label, **grant):
    step_verifier = generate_token(48)
    step_nonce = generate_token(20)
    step_state = generate_token(20)
    session = rp_session(scope='openid email')
    response = session.fetch_token(
        meta['token_endpoint'],
        # fetch_token(state=...) only checks a callback's state; it never sends it.
        body='state=' + step_state,
        redirect_uri=cfg['redirect_uri'], scope='openid email', nonce=step_nonce,
        code_challenge=create_s256_code_challenge(step_verifier), code_challenge_method='S256',
        **grant)
    result = {'response': {k: response.get(k) for k in ('token_type', 'issued_token_type', 'expires_in', 'preauth_url', 'access_token')}}
    redeemer = requests.Session()
    location = follow(redeemer, redeemer.get(response['preauth_url'], allow_redirects=False))
    if not isinstance(location, str):
        raise RuntimeError('%s: redemption ended at %s with %s' % (label, location.url, location.status_code))
    result['callback'] = location
    exchange = rp_session(scope='openid email')
    tokens = exchange.fetch_token(meta['token_endpoint'], authorization_response=location, code_verifier=step_verifier, state=step_state)
    result['id_token'] = validate_id_token(tokens['id_token'], jwks, step_nonce, tokens['access_token'])
    result['nonce'] = step_nonce
    result['state'] = step_state
    result['handoff'] = exchange.get(ISSUER + '/handoff').json()
    return result


payload = json.dumps({'username': cfg['username'], 'password': cfg['password'], 'data': {'from': 'authlib'}})
out['custom_grant'] = preauth('custom grant', grant_type=PREAUTH_GRANT, provider='password', payload=payload)
out['token_exchange'] = preauth(
    'token exchange', grant_type=TOKEN_EXCHANGE, subject_token=payload,
    subject_token_type='urn:handoff:provider:password', requested_token_type='urn:handoff:token-type:preauth-code')
out['exchange_bad_type'] = oauth_error(lambda: rp_session().fetch_token(
    meta['token_endpoint'], grant_type=TOKEN_EXCHANGE, subject_token=payload, subject_token_type='urn:handoff:provider:nope'))
out['grant_wrong_password'] = oauth_error(lambda: rp_session().fetch_token(
    meta['token_endpoint'], grant_type=PREAUTH_GRANT, provider='password',
    payload=json.dumps({'username': cfg['username'], 'password': 'wrong'})))

print(json.dumps(out))
