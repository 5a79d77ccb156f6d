"""Tokens are created and revoked on the profile page (shown once) and by administrators."""

from django.test import Client

from accounts.models import ApiToken


def test_profile_page_creates_a_token_shown_once(users):
    client = Client()
    client.force_login(users["yuci_staff"])
    response = client.post(
        "/accounts/profile/", {"name": "省平台报送", "expires": "90", "read_only": "on"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=users["yuci_staff"])
    assert token.read_only and token.name == "省平台报送" and token.expiry is not None
    plain = response.context["new_token"]
    assert plain.encode() in response.content
    again = client.get("/accounts/profile/")
    assert plain.encode() not in again.content
    assert token.token_key[:8].encode() in again.content


def test_profile_page_revokes_a_token(users):
    client = Client()
    client.force_login(users["yuci_staff"])
    client.post("/accounts/profile/", {"name": "x", "expires": "never"})
    token = ApiToken.objects.get(user=users["yuci_staff"])
    assert token.expiry is None
    response = client.post(
        f"/accounts/profile/tokens/{token.token_key}/revoke/", {"digest": token.digest}
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_a_user_cannot_revoke_someone_elses_token(users):
    client = Client()
    client.force_login(users["taigu_staff"])
    other = Client()
    other.force_login(users["yuci_staff"])
    other.post("/accounts/profile/", {"name": "x", "expires": "30"})
    token = ApiToken.objects.get()
    response = client.post(
        f"/accounts/profile/tokens/{token.token_key}/revoke/", {"digest": token.digest}
    )
    assert response.status_code == 404
    assert ApiToken.objects.exists()


def test_admin_creates_a_token_for_an_api_client_and_sees_it_once(users):
    client = Client()
    client.force_login(users["admin"])
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {
            "user": users["api_reader"].pk,
            "name": "BI",
            "read_only": "on",
            "expires_in_days": "30",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=users["api_reader"])
    assert token.read_only
    shown = [str(m) for m in response.context["messages"]]
    assert any(token.token_key in m for m in shown)
