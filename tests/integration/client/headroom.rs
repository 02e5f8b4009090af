//! Rate-limit headroom without a shared store: a profile whose requests or tokens remaining
//! reached 0 is skipped until the bucket's reset, without sending to it; when every profile is
//! out of headroom the request fails as it does when every profile is cooling down.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::Error;
use claw_anthropic::client::{RetryPolicy, Timeouts};
use claw_anthropic::mock::{MockReply, MockServer};
use std::time::Duration;

const A: &str = "anthropic:a";
const B: &str = "anthropic:b";
/// `NOW` + 2, 3 and 10 minutes in RFC 3339 (`NOW` is 2023-11-14T22:13:20Z).
const RESET_IN_2_MIN: &str = "2023-11-14T22:15:20Z";
const RESET_IN_3_MIN: &str = "2023-11-14T22:16:20Z";
const RESET_IN_10_MIN: &str = "2023-11-14T22:23:20Z";

#[test]
fn a_profile_out_of_headroom_is_skipped_until_the_reset() {
    let server = MockServer::start_background().unwrap();
    let world = World::new(&server.url(), &[(A, &key('a')), (B, &key('b'))]);
    // `a`: a success that leaves no request in the window; `b`: a 429 with no tokens left.
    server.on_credential(
        key('a'),
        MockReply::default_reply()
            .header("anthropic-ratelimit-requests-remaining", "0")
            .header("anthropic-ratelimit-requests-reset", RESET_IN_2_MIN),
    );
    server.on_credential(
        key('b'),
        MockReply::error(429, "rate_limit_error", "slow down")
            .header("x-should-retry", "false")
            .header("anthropic-ratelimit-tokens-remaining", "0")
            .header("anthropic-ratelimit-tokens-reset", RESET_IN_3_MIN),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (c, _) = world.client(RetryPolicy::none(), Timeouts::default());
        let r = c.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(A));
        // `a` is skipped; `b` answers 429 (and has no tokens left either).
        let e = c.send(hello()).await.unwrap_err();
        assert_eq!(e.status(), Some(429), "{e}");
        assert_eq!(credentials_seen(&server), [key('a'), key('b')]);
        // Both out of headroom (and `b` cooling down for a minute): nothing is sent; the error
        // names the soonest reset, as for cooldowns.
        world.clock.advance(Duration::from_millis(MIN));
        match c.send(hello()).await.unwrap_err() {
            Error::NoAvailableProfile {
                soonest_profile,
                soonest_available_ms,
                ..
            } => {
                assert_eq!(soonest_profile.as_deref(), Some(A));
                assert_eq!(soonest_available_ms, Some(NOW + 2 * MIN));
            }
            e => panic!("{e}"),
        }
        assert_eq!(credentials_seen(&server).len(), 2);
        // After `a`'s reset it is used again (and runs out again, for ten minutes); `b` waits
        // for its own reset.
        server.reset();
        server.on_credential(
            key('a'),
            MockReply::default_reply()
                .header("anthropic-ratelimit-requests-remaining", "0")
                .header("anthropic-ratelimit-requests-reset", RESET_IN_10_MIN),
        );
        world.clock.advance(Duration::from_millis(MIN));
        let r = c.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(A));
        match c.send(hello()).await.unwrap_err() {
            Error::NoAvailableProfile {
                soonest_profile,
                soonest_available_ms,
                ..
            } => {
                assert_eq!(soonest_profile.as_deref(), Some(B));
                assert_eq!(soonest_available_ms, Some(NOW + 3 * MIN));
            }
            e => panic!("{e}"),
        }
        world.clock.advance(Duration::from_millis(MIN));
        let r = c.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(B));
        assert_eq!(credentials_seen(&server), [key('a'), key('b')]);
        c.flush().await.unwrap();
    });
    // Headroom is not written to the file: no cooldown for `a`; `b`'s 429 is there (its
    // failure time; the later success cleared its counts).
    let a = world.stats(A);
    assert!(
        a.get("cooldownUntil").is_none() && a.get("headroomUntil").is_none(),
        "{a}"
    );
    assert_eq!(world.stats(B)["lastFailureAt"], NOW);
}
