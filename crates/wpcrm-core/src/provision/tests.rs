//! Unit tests of the step machine's pure functions. Its behaviour (sign-in, replication, lost
//! answers, rollback…) is tested against the sandbox in `tests/provision_behaviour.rs`.

use super::custom_role::custom_role_name;

#[test]
fn the_custom_role_says_wordpress_once() {
    assert_eq!(custom_role_name("Contoso site"), "WordPress – Contoso site");
    assert_eq!(custom_role_name("WordPress: Contoso site"), "WordPress – Contoso site");
    assert_eq!(custom_role_name("wordpress – Contoso"), "WordPress – Contoso");
    assert_eq!(custom_role_name(&"x".repeat(300)).chars().count(), 100);
}
