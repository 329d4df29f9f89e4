provider "google" {
  project = "acme-sandbox"
  region  = "europe-west1"
}

resource "google_service_account" "composer" {
  account_id   = "composer-sandbox"
  display_name = "Composer sandbox workers"
}
