-- Supabase A (chat): anonymous sign-ins (auth.users.is_anonymous, a session anyone can open with
-- no e-mail) got the 100-credit signup bonus like any account, so a script could mint credits by
-- opening sessions. Now an anonymous user gets a profile and an empty account; the bonus comes when
-- the user converts (links an e-mail or provider: is_anonymous turns false), under the same request
-- id signup:<user id> as at signup, so converting, converting back and forth, or a user who signed
-- up with an e-mail never gets it twice.

create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.user_profiles (id, email, full_name)
  values (
    new.id,
    new.email,
    coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name'))
  on conflict (id) do nothing;

  if new.is_anonymous then
    insert into public.credit_accounts (user_id) values (new.id) on conflict do nothing;
  else
    perform public.credits_grant(new.id, 100, 'bonus', 'signup:' || new.id::text, 'signup bonus');
  end if;
  return new;
end;
$$;

create or replace function public.handle_user_converted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.credits_grant(new.id, 100, 'bonus', 'signup:' || new.id::text, 'signup bonus');
  return new;
end;
$$;

revoke execute on function public.handle_user_converted() from public, anon, authenticated;

create trigger on_auth_user_converted
  after update of is_anonymous on auth.users
  for each row
  when (old.is_anonymous and not new.is_anonymous)
  execute function public.handle_user_converted();
