using System.Collections.Concurrent;

namespace Zmarty.Api.Chat.Context;

/// <summary>
/// The profile each user's last chat found in A, in this instance's memory. A chat is checked and
/// priced against it, and A holds the credits in the same call that reads the profile, but only if the
/// profile is still this one (<c>public.chat_begin</c>); otherwise the chat is decided again on what A
/// returned. So a stale entry costs one round trip, never a wrong decision.
/// </summary>
public sealed class KnownProfiles
{
    /// <summary>Past this many users the memory starts over: each of them pays one round trip to come back.</summary>
    internal const int Capacity = 50_000;

    private readonly ConcurrentDictionary<Guid, UserProfile> _profiles = new();

    public UserProfile? Find(Guid user) => _profiles.GetValueOrDefault(user);

    public void Remember(Guid user, UserProfile profile)
    {
        if (_profiles.Count >= Capacity && !_profiles.ContainsKey(user))
        {
            _profiles.Clear();
        }

        _profiles[user] = profile;
    }
}
