//! Taking a Volcengine IAM user under quota control (the account from `quota_accounts`, the
//! project from the account's `ListProjects`), and editing a sub-account's project, steps and
//! auto-disable.

use leptos::prelude::*;

use super::api::{quota_accounts, register_sub_account, update_sub_account};
use super::iam_api::iam_projects;
use super::model::{RegisterForm, SubAccountView};
use super::page::OpenPanel;
use crate::billing::iam::Project;
use crate::components::error_notice::ErrorNotice;
use crate::error::AppError;
use crate::i18n::tr;

/// The options of a project select, `current` chosen (kept even when the account no longer lists it).
pub fn project_options(projects: &[Project], current: &str) -> AnyView {
    let mut options: Vec<AnyView> = projects
        .iter()
        .map(|pr| {
            let label = if pr.display_name.is_empty() || pr.display_name == pr.name { pr.name.clone() } else { format!("{}（{}）", pr.display_name, pr.name) };
            view! { <option value=pr.name.clone() selected=pr.name == current>{label}</option> }.into_any()
        })
        .collect();
    if !current.is_empty() && !projects.iter().any(|pr| pr.name == current) {
        options.insert(0, view! { <option value=current.to_string() selected=true>{current.to_string()}</option> }.into_any());
    }
    options.into_iter().collect_view().into_any()
}

/// A project select filled from `account`'s projects; `project` holds the choice.
#[component]
pub fn ProjectSelect(account: Signal<String>, project: RwSignal<String>, #[prop(optional)] optional: Option<&'static str>) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let projects = Resource::new(move || account.get(), |a| async move { if a.is_empty() { Ok(Vec::new()) } else { iam_projects(a).await } });
    // The first project is the choice until one is picked (a required select shows it chosen).
    let fill = move |list: &[Project]| {
        if optional.is_none() && project.get_untracked().is_empty() {
            if let Some(first) = list.first() {
                project.set(first.name.clone());
            }
        }
    };
    view! {
        <label>{p.f_project}
            <Transition fallback=move || view! { <select name="project" disabled=true><option>{t.loading}</option></select> }>
                {move || Suspend::new(async move {
                    match projects.await {
                        Ok(list) => {
                            fill(&list);
                            let none = optional.map(|label| view! { <option value="" selected=project.get_untracked().is_empty()>{label}</option> });
                            view! {
                                <select name="project" data-testid="project-select" on:change=move |ev| project.set(event_target_value(&ev))>
                                    {none}{project_options(&list, &project.get_untracked())}
                                </select>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </label>
    }
}

/// A form's refusal: the field's message, or the error.
pub fn form_error<I, T>(action: Action<I, Result<T, AppError>>) -> impl IntoView
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    move || match action.value().get() {
        Some(Err(e)) => Some(view! { <ErrorNotice error=e testid="form-error"/> }),
        _ => None,
    }
}

#[component]
pub fn RegisterDialog(close: RwSignal<bool>, changed: RwSignal<u32>) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let accounts = Resource::new(|| (), |_| quota_accounts());
    let account = RwSignal::new(String::new());
    let user_name = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let steps = RwSignal::new(String::new());
    let auto_disable = RwSignal::new(true);
    let save = Action::new(move |form: &RegisterForm| register_sub_account(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            close.set(false);
            changed.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(RegisterForm {
            account: account.get_untracked(),
            user_name: user_name.get_untracked(),
            display_name: display_name.get_untracked(),
            project: project.get_untracked(),
            steps: steps.get_untracked(),
            auto_disable: auto_disable.get_untracked(),
        });
    };
    let pending = save.pending();
    let account_select = move || {
        Suspend::new(async move {
            match accounts.await {
                Ok(list) if list.is_empty() => view! { <p class="notice" data-testid="no-accounts">{p.no_volc_accounts}</p> }.into_any(),
                Ok(list) => {
                    if account.get_untracked().is_empty() {
                        account.set(list[0].clone());
                    }
                    let options = list.into_iter().map(|a| view! { <option value=a.clone() selected=a == account.get_untracked()>{a.clone()}</option> }).collect_view();
                    view! {
                        <label>{p.f_account}<select name="account" on:change=move |ev| { account.set(event_target_value(&ev)); project.set(String::new()); }>{options}</select></label>
                    }.into_any()
                }
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            }
        })
    };
    view! {
        <div class="dialog" role="dialog" aria-label=p.register_title data-testid="register-dialog">
            <h3>{p.register_title}</h3>
            <p class="notice">{p.register_hint}</p>
            <form class="params settings-form" on:submit=submit>
                <Transition fallback=move || view! { <p class="loading">{t.loading}</p> }>{account_select}</Transition>
                <label>{p.f_user_name}<input name="user_name" required=true autocomplete="off" bind:value=user_name/></label>
                <label>{p.f_display_name}<input name="display_name" bind:value=display_name/></label>
                <ProjectSelect account=account.into() project=project/>
                {control_fields(steps, auto_disable)}
                <button type="submit" data-testid="register-submit" disabled=move || pending.get()>{move || if pending.get() { p.saving } else { p.register_submit }}</button>
                <button type="button" class="secondary" on:click=move |_| close.set(false)>{p.cancel}</button>
            </form>
            {form_error(save)}
        </div>
    }
}

/// The steps and auto-disable inputs, shared by registering and editing.
fn control_fields(steps: RwSignal<String>, auto_disable: RwSignal<bool>) -> impl IntoView {
    let p = tr().quota.page;
    view! {
        <label>{p.f_steps}<input name="steps" placeholder=p.ph_steps bind:value=steps/></label>
        <label class="check"><input type="checkbox" name="auto_disable" bind:checked=auto_disable/>{p.f_auto_disable}</label>
    }
}

/// The steps a form shows: the sub-account's own (without 100), or empty for the default.
fn own_steps(sub: &SubAccountView) -> String {
    if !sub.own_steps {
        return String::new();
    }
    sub.steps.iter().filter(|s| **s < 100).map(u8::to_string).collect::<Vec<_>>().join(",")
}

#[component]
pub fn EditForm(sub: SubAccountView, open: OpenPanel, changed: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let id = sub.id;
    let account = sub.account.clone();
    let project = RwSignal::new(sub.project.clone());
    let steps = RwSignal::new(own_steps(&sub));
    let auto_disable = RwSignal::new(sub.auto_disable);
    let save = Action::new(move |(project, steps, auto): &(String, String, bool)| update_sub_account(id, project.clone(), steps.clone(), *auto));
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            open.set(None);
            changed.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((project.get_untracked(), steps.get_untracked(), auto_disable.get_untracked()));
    };
    let pending = save.pending();
    view! {
        <div class="dialog" role="dialog" aria-label=p.edit_title data-testid="edit-dialog">
            <h3>{format!("{} · {}", p.edit_title, sub.user_name)}</h3>
            <form class="params settings-form" on:submit=submit>
                <ProjectSelect account=Signal::derive(move || account.clone()) project=project/>
                {control_fields(steps, auto_disable)}
                <button type="submit" data-testid="edit-submit" disabled=move || pending.get()>{move || if pending.get() { p.saving } else { p.save }}</button>
                <button type="button" class="secondary" on:click=move |_| open.set(None)>{p.cancel}</button>
            </form>
            {form_error(save)}
        </div>
    }
}
