"""The password of the accounts that the sign-in and account tests make (see the `owner` and
`cheap_hashing` fixtures in tests/conftest.py)."""

PASSWORD = "maple syrup pancakes"
