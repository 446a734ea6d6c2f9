"""The test OpenID Connect provider is a real one, shaped like Feide: discovery, sign-in, the
authorisation-code flow with PKCE required, RS256-signed ID tokens and Feide's claims.

Driven over HTTP with ``requests`` alone, as the portal's server and a browser would.
"""

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from jwcrypto import jwk, jwt

from tests.oidc_server import (
    FEIDE_CALLBACK_PATH,
    FEIDE_EPPN_CLAIM,
    FEIDE_SCOPES,
    OidcProvider,
    allow_redirect_uri,
    browser,
    sign_in,
)

# The live server's callback: the port-less registered 127.0.0.1 URI allows any port.
LIVE_SERVER_CALLBACK = f"http://127.0.0.1:54321{FEIDE_CALLBACK_PATH}"
TEST_CLIENT_CALLBACK = f"http://testserver{FEIDE_CALLBACK_PATH}"


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 code challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(provider: OidcProvider, redirect_uri: str, scopes=FEIDE_SCOPES, **params) -> str:
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        **params,
    }
    return f"{provider.authorization_endpoint}?{urlencode(query)}"


def callback_params(response: requests.Response, redirect_uri: str) -> dict[str, str]:
    """The query of a redirect to ``redirect_uri``."""
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.split("?")[0] == redirect_uri
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def exchange_code(provider: OidcProvider, code: str, redirect_uri: str, verifier: str | None) -> requests.Response:
    """The portal's server-side token request, with the client's credentials in the body as allauth sends them;
    without a code verifier when ``verifier`` is None."""
    with browser() as server:
        return server.post(
            provider.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
            },
        )


def verified_claims(provider: OidcProvider, id_token: str) -> dict:
    """The ID token's claims, once its RS256 signature is checked against the JWKS, and iss, aud and exp."""
    with browser() as server:
        keys = jwk.JWKSet.from_json(server.get(provider.jwks_uri).text)
    token = jwt.JWT(
        jwt=id_token,
        key=keys,
        algs=["RS256"],
        check_claims={"iss": provider.issuer, "aud": provider.client_id, "exp": None},
    )
    assert json.loads(token.header)["alg"] == "RS256"
    claims = json.loads(token.claims)
    assert claims["iss"] == provider.issuer
    assert claims["aud"] in (provider.client_id, [provider.client_id])
    return claims


def sign_in_flow(provider: OidcProvider, username: str, redirect_uri=LIVE_SERVER_CALLBACK, scopes=FEIDE_SCOPES):
    """A full sign-in, from a fresh browser; the verified ID token claims and the token response."""
    verifier, challenge = pkce_pair()
    nonce, state = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    url = authorize_url(
        provider,
        redirect_uri,
        scopes,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    with browser() as session:
        params = callback_params(sign_in(provider, session, url, username), redirect_uri)
    assert params["state"] == state
    tokens = exchange_code(provider, params["code"], redirect_uri, verifier)
    assert tokens.status_code == 200, tokens.text
    claims = verified_claims(provider, tokens.json()["id_token"])
    assert claims["nonce"] == nonce
    return claims, tokens.json()


def test_discovery_describes_the_provider(oidc_provider):
    with browser() as session:
        response = session.get(oidc_provider.discovery_url)
    assert response.status_code == 200
    discovery = response.json()
    port = urlsplit(oidc_provider.issuer).port
    assert discovery["issuer"] == oidc_provider.issuer == f"http://127.0.0.1:{port}/o"
    assert discovery["authorization_endpoint"] == oidc_provider.authorization_endpoint
    assert discovery["token_endpoint"] == oidc_provider.token_endpoint
    assert discovery["userinfo_endpoint"] == oidc_provider.userinfo_endpoint
    assert discovery["jwks_uri"] == oidc_provider.jwks_uri
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert "plain" not in discovery["code_challenge_methods_supported"]
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    assert set(FEIDE_SCOPES) <= set(discovery["scopes_supported"])
    assert FEIDE_EPPN_CLAIM in discovery["claims_supported"]


@pytest.mark.parametrize("redirect_uri", [LIVE_SERVER_CALLBACK, TEST_CLIENT_CALLBACK])
def test_code_flow_with_pkce_gives_a_signed_id_token_with_feide_claims(oidc_provider, redirect_uri):
    siri = oidc_provider.identities["siri@uni.example"]
    claims, tokens = sign_in_flow(oidc_provider, siri.username, redirect_uri)

    assert claims["sub"] == siri.sub
    assert claims["sub"] != siri.username
    assert claims[FEIDE_EPPN_CLAIM] == "siri@uni.example"
    assert claims["name"] == "Siri Student"
    assert claims["email"] == siri.email

    # The same claims at the userinfo endpoint, for the access token.
    with browser() as server:
        userinfo = server.get(
            oidc_provider.userinfo_endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json() == {
        "sub": siri.sub,
        "name": "Siri Student",
        "email": siri.email,
        FEIDE_EPPN_CLAIM: "siri@uni.example",
    }


def test_the_same_person_gets_the_same_sub_every_time(oidc_provider):
    first, _ = sign_in_flow(oidc_provider, "kari@uni.example")
    again, _ = sign_in_flow(oidc_provider, "kari@uni.example")
    other, _ = sign_in_flow(oidc_provider, "ola@annen.example")

    assert first["sub"] == again["sub"] == oidc_provider.identities["kari@uni.example"].sub
    assert other["sub"] != first["sub"]
    assert other[FEIDE_EPPN_CLAIM] == "ola@annen.example"


def test_claims_follow_the_scopes(oidc_provider):
    claims, _ = sign_in_flow(oidc_provider, "ukjent@uni.example", scopes=["openid"])

    assert claims["sub"] == oidc_provider.identities["ukjent@uni.example"].sub
    assert not {"name", "email", FEIDE_EPPN_CLAIM} & claims.keys()


def test_authorize_without_code_challenge_is_refused(oidc_provider):
    url = authorize_url(oidc_provider, LIVE_SERVER_CALLBACK)
    with browser() as session:
        params = callback_params(sign_in(oidc_provider, session, url, "siri@uni.example"), LIVE_SERVER_CALLBACK)

    assert params["error"] == "invalid_request"
    assert "code challenge" in params["error_description"].lower()
    assert "code" not in params


@pytest.mark.parametrize("verifier", [None, "wrong"], ids=["missing", "wrong"])
def test_token_request_without_the_right_code_verifier_is_refused(oidc_provider, verifier):
    _verifier, challenge = pkce_pair()
    url = authorize_url(oidc_provider, LIVE_SERVER_CALLBACK, code_challenge=challenge, code_challenge_method="S256")
    with browser() as session:
        code = callback_params(sign_in(oidc_provider, session, url, "siri@uni.example"), LIVE_SERVER_CALLBACK)["code"]
    if verifier == "wrong":
        verifier, _challenge = pkce_pair()

    response = exchange_code(oidc_provider, code, LIVE_SERVER_CALLBACK, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == ("invalid_grant" if verifier else "invalid_request"), response.text
    assert "id_token" not in response.json()


def test_an_unregistered_redirect_uri_is_refused_until_allowed(oidc_provider):
    elsewhere = "http://localhost:8000/accounts/oidc/feide/login/callback/"
    verifier, challenge = pkce_pair()
    url = authorize_url(oidc_provider, elsewhere, code_challenge=challenge, code_challenge_method="S256")
    with browser() as session:
        refused = sign_in(oidc_provider, session, url, "siri@uni.example")
        assert refused.status_code == 400
        assert "Location" not in refused.headers

        allow_redirect_uri(oidc_provider, elsewhere)
        code = callback_params(session.get(url, allow_redirects=False), elsewhere)["code"]

    assert exchange_code(oidc_provider, code, elsewhere, verifier).status_code == 200
