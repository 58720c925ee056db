//! Creating a Volcengine IAM sub-account: name, display name, description, System policies and,
//! optionally, a project that puts it under quota control. The answer's SecretAccessKey is shown
//! once, with a copy button; closing the dialog drops it (the action's value is cleared and the
//! dialog, with everything that held it, is gone).

use leptos::prelude::*;

use super::iam_api::create_iam_user;
use super::model::{CreateUserForm, CreatedUser};
use super::register_form::{form_error, ProjectSelect};
use crate::billing::iam::SYSTEM_POLICIES;
use crate::i18n::tr;

/// The policy a new sub-account gets unless unticked: Ark models are what quota control is for.
const DEFAULT_POLICY: &str = "ArkFullAccess";

#[component]
pub fn CreateUserDialog(account: String, close: RwSignal<bool>, reload: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let name = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let picked: Vec<(&'static str, RwSignal<bool>)> = SYSTEM_POLICIES.iter().map(|s| (*s, RwSignal::new(*s == DEFAULT_POLICY))).collect();
    let create = Action::new(move |form: &CreateUserForm| create_iam_user(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    let shut = move || {
        create.value().set(None);
        close.set(false);
    };
    let form_account = account.clone();
    let boxes = picked.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateUserForm {
            account: form_account.clone(),
            name: name.get_untracked(),
            display_name: display_name.get_untracked(),
            description: description.get_untracked(),
            policies: boxes.iter().filter(|(_, on)| on.get_untracked()).map(|(s, _)| s.to_string()).collect(),
            project: project.get_untracked(),
        });
    };
    let checkboxes = move || {
        picked
            .iter()
            .map(|(policy, on)| {
                let (policy, on) = (*policy, *on);
                view! { <label class="check"><input type="checkbox" name="policies" value=policy bind:checked=on/>{policy}</label> }
            })
            .collect_view()
    };
    let pending = create.pending();
    let created = move || create.value().get().and_then(Result::ok);
    let project_account = account.clone();
    view! {
        <div class="dialog" role="dialog" aria-label=p.create_user data-testid="iam-create-dialog">
            <h3>{format!("{} · {account}", p.create_user)}</h3>
            {move || match created() {
                Some(user) => view! { <SecretOnce user=user close=Callback::new(move |_| shut())/> }.into_any(),
                None => view! {
                    <form class="params settings-form" on:submit=submit.clone()>
                        <label>{p.f_user_name}<input name="name" required=true autocomplete="off" bind:value=name/></label>
                        <label>{p.f_display_name}<input name="display_name" bind:value=display_name/></label>
                        <label class="wide">{p.f_description}<input name="description" bind:value=description/></label>
                        <fieldset class="policies"><legend>{p.policies}</legend>{checkboxes()}</fieldset>
                        <ProjectSelect account=Signal::derive({ let a = project_account.clone(); move || a.clone() }) project=project optional=p.no_quota/>
                        <button type="submit" data-testid="iam-create-submit" disabled=move || pending.get()>{move || if pending.get() { p.saving } else { p.create_submit }}</button>
                        <button type="button" class="secondary" on:click=move |_| shut()>{p.cancel}</button>
                    </form>
                    {form_error(create)}
                }.into_any(),
            }}
        </div>
    }
}

/// The new key, once: its id, the secret with a copy button, and what else creating it did.
#[component]
fn SecretOnce(user: CreatedUser, close: Callback<()>) -> impl IntoView {
    let p = tr().quota.page;
    let copied = RwSignal::new(false);
    let secret = user.secret_access_key.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&secret);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &secret;
        copied.set(true);
    };
    let problems = user.policy_errors.iter().map(|e| view! { <p class="problem">{format!("{}：{e}", p.policy_failed)}</p> }).collect_view();
    let quota = user.quota_id.map(|_| view! { <p class="ok">{p.created_under_quota}</p> });
    view! {
        <div class="key-once" role="status" data-testid="iam-secret">
            <p>{format!("{}：{}", p.created_user, user.user.name)}</p>
            <p><strong>{p.secret_once}</strong></p>
            <dl class="facts">
                <dt>"AccessKeyId"</dt><dd><code data-testid="iam-access-key-id">{user.access_key_id.clone()}</code></dd>
                <dt>"SecretAccessKey"</dt><dd><code data-testid="iam-secret-key">{user.secret_access_key.clone()}</code></dd>
            </dl>
            <button type="button" data-testid="iam-copy" on:click=copy>{move || if copied.get() { p.copied } else { p.copy }}</button>
            {problems}
            {quota}
            <button type="button" class="secondary" data-testid="iam-secret-close" on:click=move |_| close.run(())>{p.secret_saved_close}</button>
        </div>
    }
}
